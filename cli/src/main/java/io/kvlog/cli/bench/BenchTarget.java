package io.kvlog.cli.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * A system the load generator drives over HTTP: how a read and a write of one key are spelled
 * for it, and which replies count as a success. Implementations are stateless and thread-safe.
 */
public interface BenchTarget {

    /** One HTTP request: method, path with query, body (may be null), headers besides the content type. */
    record Request(HttpMethod method, String uri, Buffer body, Map<String, String> headers) {
        public Request {
            headers = Map.copyOf(headers);
        }

        public Request(HttpMethod method, String uri, Buffer body) {
            this(method, uri, body, Map.of());
        }
    }

    /** The system's name in reports, e.g. {@code kvlog} or {@code etcd}. */
    String system();

    /** Base URLs of the servers; connections are spread over them. */
    List<URI> endpoints();

    /** Whether the workload has a meaning for this system (etcd has no session reads). */
    boolean supports(Workload workload);

    Request write(String key, String value, Workload workload);

    Request read(String key, Workload workload);

    /** The options of the client that drives this target (TLS, keep-alive) set on the generator's {@code options}. */
    default HttpClientOptions clientOptions(HttpClientOptions options) {
        return options;
    }

    /** Whether the reply to a read ({@code read=true}) or a write is a success. */
    boolean success(boolean read, int status, Buffer body);
}
