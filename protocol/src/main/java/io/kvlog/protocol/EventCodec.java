package io.kvlog.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The JSON form of an {@link Event} on the log, exactly as DESIGN.md writes it:
 * {@code {"v":1,"type":"Insert","id":"…","value":"…","expect":{"version":5,"exists":true}}},
 * fields in that order, absent ones omitted.
 *
 * <p>{@link #decode(byte[])} never throws: whatever is on the topic, it returns either the
 * event or an error naming the bad field, so one bad record cannot stop a partition. Decoding
 * is strict (unknown or duplicate fields, a wrong {@code v}, trailing data are errors) so that
 * an event means the same to every replica and every replay.
 */
public final class EventCodec {

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper MAPPER = JsonMapper.builder(JSON)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Set<String> EVENT_FIELDS = Set.of("v", "type", "id", "value", "expect");
    private static final Set<String> EXPECT_FIELDS = Set.of("version", "exists");

    private EventCodec() {
    }

    /** The result of decoding: {@link Valid} or {@link Invalid}. */
    public sealed interface Decoded permits Valid, Invalid {
    }

    /** A well-formed event. */
    public record Valid(Event event) implements Decoded {
    }

    /** Not an event; {@code error} names the bad field and quotes what was there. */
    public record Invalid(String error) implements Decoded {
    }

    /** The UTF-8 JSON of an event. */
    public static byte[] encode(Event event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (event.value() == null ? 0 : event.value().length()));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeNumberField("v", Event.VERSION);
            json.writeStringField("type", event.type().name());
            if (event.id() != null) {
                json.writeStringField("id", event.id());
            }
            if (event.value() != null) {
                json.writeStringField("value", event.value());
            }
            Expect expect = event.expect();
            if (expect != null) {
                json.writeObjectFieldStart("expect");
                if (expect.version() != null) {
                    json.writeNumberField("version", expect.version());
                }
                if (expect.exists() != null) {
                    json.writeBooleanField("exists", expect.exists());
                }
                json.writeEndObject();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /** Decodes a record value; never throws. */
    public static Decoded decode(byte[] json) {
        if (json == null) {
            return new Invalid("event: must be a JSON object, got null (no record value)");
        }
        JsonNode root;
        try (JsonParser parser = MAPPER.createParser(json)) {
            root = MAPPER.readTree(parser);
        } catch (IOException | RuntimeException e) {
            return new Invalid("event: must be a JSON object, got unparseable JSON: " + firstLine(e.getMessage()));
        }
        try {
            return new Valid(toEvent(root));
        } catch (IllegalArgumentException e) {
            return new Invalid(e.getMessage());
        }
    }

    private static Event toEvent(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("event: must be a JSON object, got " + describe(root));
        }
        rejectUnknown(root, EVENT_FIELDS, "");
        JsonNode v = root.get("v");
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() != Event.VERSION) {
            throw new IllegalArgumentException("v: must be " + Event.VERSION + ", got " + describe(v));
        }
        EventType type = type(root.get("type"));
        JsonNode idNode = root.get("id");
        // no id: applied, never deduplicated
        String id = idNode == null || idNode.isNull() ? null : Validation.id(text(idNode, "id"));
        JsonNode valueNode = root.get("value");
        String value = valueNode == null || valueNode.isNull() ? null : text(valueNode, "value");
        Expect expect = expect(root.get("expect"));
        return new Event(type, id, value, expect);
    }

    private static EventType type(JsonNode node) {
        String type = text(node, "type");
        for (EventType t : EventType.values()) {
            if (t.name().equals(type)) {
                return t;
            }
        }
        throw new IllegalArgumentException("type: must be Insert, Remove or Append, got " + Validation.quote(type));
    }

    private static Expect expect(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("expect: must be an object, got " + describe(node));
        }
        rejectUnknown(node, EXPECT_FIELDS, "expect.");
        JsonNode version = node.get("version");
        Long v = null;
        if (version != null && !version.isNull()) {
            if (!version.isIntegralNumber() || !version.canConvertToLong() || version.longValue() < 0) {
                throw new IllegalArgumentException("expect.version: must be an integer >= 0, got " + describe(version));
            }
            v = version.longValue();
        }
        JsonNode exists = node.get("exists");
        Boolean e = null;
        if (exists != null && !exists.isNull()) {
            if (!exists.isBoolean()) {
                throw new IllegalArgumentException("expect.exists: must be true or false, got " + describe(exists));
            }
            e = exists.booleanValue();
        }
        return new Expect(v, e);
    }

    private static void rejectUnknown(JsonNode object, Set<String> known, String prefix) {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (!known.contains(name)) {
                throw new IllegalArgumentException(prefix + Validation.quote(name) + ": unknown field, expected one of "
                        + known.stream().sorted().toList());
            }
        }
    }

    private static String text(JsonNode node, String field) {
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException(field + ": must be a string, got " + describe(node));
        }
        return node.textValue();
    }

    private static String describe(JsonNode node) {
        if (node == null) {
            return "none";
        }
        return node.isTextual() ? Validation.quote(node.textValue()) : Validation.quote(node.toString());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no detail)";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
