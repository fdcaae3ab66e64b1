package io.kvlog.cli.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.util.List;

/**
 * kvlog's HTTP API as DESIGN.md has it: {@code PUT /v1/kv/{key}?wait=ACK} with the value as the
 * body, {@code GET /v1/kv/{key}?consistency=C}. Bench keys are plain ASCII, so no escaping is
 * needed. A read succeeds only with 200: the keys are pre-loaded, so a 404 is an error.
 */
public record KvlogApi(List<URI> endpoints) implements BenchTarget {

    public KvlogApi {
        endpoints = List.copyOf(endpoints);
    }

    @Override
    public String system() {
        return "kvlog";
    }

    @Override
    public boolean supports(Workload workload) {
        return true;
    }

    @Override
    public Request write(String key, String value, Workload workload) {
        return new Request(HttpMethod.PUT, "/v1/kv/" + key + "?wait=" + workload.ack(), Buffer.buffer(value));
    }

    @Override
    public Request read(String key, Workload workload) {
        // session reads without a token are served by any copy at once, like eventual ones; the
        // generator has no per-connection token chain, so session is measured as the cost of its routing
        return new Request(HttpMethod.GET, "/v1/kv/" + key + "?consistency=" + workload.consistency(), null);
    }

    @Override
    public boolean success(boolean read, int status, Buffer body) {
        return status == 200;
    }
}
