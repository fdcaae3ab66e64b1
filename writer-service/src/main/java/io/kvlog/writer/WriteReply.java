package io.kvlog.writer;

import io.vertx.core.json.JsonObject;

/**
 * The reply to a write: HTTP status and body, {@code OperationAck} (200),
 * {@code PreconditionFailed} (412) or {@code OperationFailed} (504), each naming the request's id.
 */
public record WriteReply(int status, JsonObject body) {

    static WriteReply ack(String id, String key, long version, String token, String appendedValue) {
        JsonObject body = new JsonObject().put("result", "OperationAck").put("id", id).put("key", key)
                .put("version", version).put("token", token);
        if (appendedValue != null) {
            body.put("value", appendedValue);
        }
        return new WriteReply(200, body);
    }

    static WriteReply preconditionFailed(String id, String key, long currentVersion, String token) {
        return new WriteReply(412, new JsonObject().put("result", "PreconditionFailed").put("id", id).put("key", key)
                .put("currentVersion", currentVersion).put("token", token));
    }

    static WriteReply tooLarge(String id, String key, long currentVersion, String token) {
        return new WriteReply(413, new JsonObject().put("error", "TOO_LARGE").put("id", id).put("key", key)
                .put("currentVersion", currentVersion).put("token", token)
                .put("message", "append: the value would grow past " + io.kvlog.protocol.Validation.MAX_STORED_VALUE_BYTES
                        + " bytes; nothing changed"));
    }

    /** A refusal decided once the event was applied (e.g. {@code ID_IN_USE}): the API's JSON error, naming the id. */
    static WriteReply refused(String id, io.kvlog.http.ApiException refusal) {
        return new WriteReply(refusal.status(), new JsonObject().put("error", refusal.code())
                .put("message", refusal.getMessage()).put("id", id));
    }

    static WriteReply failed(String id, String key, String reason) {
        return new WriteReply(504, new JsonObject().put("result", "OperationFailed").put("id", id).put("key", key)
                .put("reason", reason));
    }
}
