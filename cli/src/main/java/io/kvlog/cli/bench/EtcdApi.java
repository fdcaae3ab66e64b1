package io.kvlog.cli.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * etcd's v3 HTTP/JSON gateway (etcd 3.4+): {@code POST /v3/kv/put} and {@code POST /v3/kv/range}
 * with base64 keys and values. A linearizable read is the default range; an eventual read is a
 * range with {@code "serializable":true} (served by the member's local state without a quorum
 * round). Session reads have no etcd equivalent, so such workloads are not run against it.
 * A range succeeds only if it returns the key (the keys are pre-loaded).
 */
public record EtcdApi(List<URI> endpoints) implements BenchTarget {

    private static final Base64.Encoder B64 = Base64.getEncoder();

    public EtcdApi {
        endpoints = List.copyOf(endpoints);
    }

    @Override
    public String system() {
        return "etcd";
    }

    @Override
    public boolean supports(Workload workload) {
        return !workload.hasReads() || !workload.consistency().equals("session");
    }

    @Override
    public Request write(String key, String value, Workload workload) {
        return new Request(HttpMethod.POST, "/v3/kv/put", Buffer.buffer(putBody(key, value)));
    }

    @Override
    public Request read(String key, Workload workload) {
        return new Request(HttpMethod.POST, "/v3/kv/range",
                Buffer.buffer(rangeBody(key, workload.consistency().equals("eventual"))));
    }

    @Override
    public boolean success(boolean read, int status, Buffer body) {
        if (status != 200) {
            return false;
        }
        // the gateway omits empty fields: a range that found nothing has no "kvs"
        return !read || body.toString(StandardCharsets.UTF_8).contains("\"kvs\"");
    }

    /** The JSON body of a put: {@code {"key":"<base64>","value":"<base64>"}}. */
    static String putBody(String key, String value) {
        return "{\"key\":\"" + base64(key) + "\",\"value\":\"" + base64(value) + "\"}";
    }

    /** The JSON body of a single-key range, serializable (local, possibly stale) or linearizable. */
    static String rangeBody(String key, boolean serializable) {
        return "{\"key\":\"" + base64(key) + "\"" + (serializable ? ",\"serializable\":true" : "") + "}";
    }

    private static String base64(String text) {
        return B64.encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
