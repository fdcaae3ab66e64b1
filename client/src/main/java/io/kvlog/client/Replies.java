package io.kvlog.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.client.internal.Transport.Reply;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Turns the nodes' JSON replies into results, and error replies into exceptions. */
final class Replies {

    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
            false);

    private Replies() {
    }

    static JsonNode body(Reply reply) {
        try {
            JsonNode body = JSON.readTree(reply.body());
            if (body == null) {
                throw new IOException("empty body");
            }
            return body;
        } catch (IOException e) {
            throw new KvException(reply.status(), "UNREADABLE_REPLY", "unreadable reply (" + reply.status()
                    + ") from " + reply.url() + ": " + abbreviate(reply.body()), e);
        }
    }

    /** A write's reply: its ack, or the exception of its refusal or failure. */
    static OperationAck ack(Reply reply) {
        JsonNode body = body(reply);
        if (reply.status() == 200) {
            return ack(body);
        }
        throw failure(reply, body);
    }

    static OperationAck ack(JsonNode body) {
        return new OperationAck(text(body, "id"), text(body, "key"), body.path("version").asLong(),
                text(body, "token"), optional(body, "value"));
    }

    /** A get's reply: 200 and 404 are results (404: absent); anything else an exception. */
    static GetResult get(Reply reply) {
        JsonNode body = body(reply);
        if ((reply.status() == 200 || reply.status() == 404) && body.has("key")) {
            return get(body);
        }
        throw failure(reply, body);
    }

    static GetResult get(JsonNode body) {
        return new GetResult(text(body, "key"), optional(body, "value"), body.path("version").asLong(),
                text(body, "token"), text(body, "id"), optional(body, "reason"));
    }

    static ScanPage scan(Reply reply) {
        JsonNode body = ok(reply);
        List<Entry> items = new ArrayList<>();
        for (JsonNode item : body.path("items")) {
            items.add(new Entry(text(item, "key"), text(item, "value"), item.path("version").asLong()));
        }
        return new ScanPage(List.copyOf(items), optional(body, "cursor"));
    }

    static HistoryPage history(Reply reply) {
        JsonNode body = ok(reply);
        List<KeyVersion> items = new ArrayList<>();
        for (JsonNode item : body.path("items")) {
            items.add(new KeyVersion(item.path("version").asLong(), text(item, "type"), optional(item, "value"),
                    text(item, "id"), instant(item, "time")));
        }
        OptionalLong next = body.hasNonNull("next") ? OptionalLong.of(body.path("next").asLong()) : OptionalLong.empty();
        return new HistoryPage(text(body, "key"), List.copyOf(items), next);
    }

    /** A watch's change event: its data, and its SSE id, the watch's position after it. */
    static WatchEvent.Change change(JsonNode data, String position) {
        return new WatchEvent.Change(text(data, "key"), text(data, "type"), optional(data, "value"),
                data.path("version").asLong(), text(data, "token"), text(data, "id"), instant(data, "time"), position);
    }

    /** One reply of the message protocol. */
    static Result result(JsonNode item) {
        String result = item.path("result").asText("");
        return switch (result) {
            case "OperationAck" -> ack(item);
            case "GetResult" -> get(item);
            case "OperationFailed" -> new OperationFailed(text(item, "id"), text(item, "reason"));
            // an operation the node could not serve (a get on a node not ready, …): it did not happen
            default -> new OperationFailed(text(item, "id"), item.path("error").asText(result) + ": "
                    + item.path("message").asText(item.toString()));
        };
    }

    static ClusterView cluster(Reply reply) {
        JsonNode body = ok(reply);
        try {
            return JSON.treeToValue(body, ClusterView.class);
        } catch (IOException e) {
            throw new KvException(reply.status(), "UNREADABLE_REPLY", "unreadable cluster view from " + reply.url()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The body of a 200, or the exception of any other reply. */
    static JsonNode ok(Reply reply) {
        JsonNode body = body(reply);
        if (reply.status() != 200) {
            throw failure(reply, body);
        }
        return body;
    }

    /** The exception of an error reply, naming what the node said. */
    static KvException failure(Reply reply, JsonNode body) {
        int status = reply.status();
        if (status == 412 && body.has("currentVersion")) {
            return new PreconditionFailedException(text(body, "id"), text(body, "key"),
                    body.path("currentVersion").asLong(), text(body, "token"));
        }
        if ("OperationFailed".equals(body.path("result").asText())) {
            return new OperationFailedException(new OperationFailed(text(body, "id"), text(body, "reason")));
        }
        String error = body.path("error").asText("HTTP_" + status);
        String message = body.path("message").asText(abbreviate(reply.body()));
        if (status == 400 || status == 413 || status == 415 || status == 422) {
            return new BadRequestException(status, error, message);
        }
        if (status == 401 || status == 403) {
            return new AccessDeniedException(status, error, message + " (" + status + " from " + reply.node() + ")");
        }
        return new KvException(status, error, message + " (" + status + " from " + reply.node() + ")");
    }

    private static String text(JsonNode body, String field) {
        return body.hasNonNull(field) ? body.path(field).asText() : null;
    }

    private static Optional<String> optional(JsonNode body, String field) {
        return Optional.ofNullable(text(body, field));
    }

    static Instant instant(JsonNode body, String field) {
        String text = text(body, field);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null; // a time this client cannot read: the rest of the reply still is
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }
}
