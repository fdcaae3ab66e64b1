package io.kvlog.query;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The answer to a get: {@code status} 200 (present) or 404 (absent or removed), {@code body} the
 * {@code GetResult}, and the headers the reply carries ({@code X-KV-Node} of the node that served
 * it, {@code X-KV-Copy}, {@code X-KV-Lag}).
 */
public record GetReply(int status, JsonObject body, Map<String, String> headers) {

    public GetReply {
        headers = Map.copyOf(headers);
    }
}
