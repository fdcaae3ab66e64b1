package io.kvlog.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of an {@link Outcome}:
 * {@code {"id":"…","key":"…","offset":7,"status":"APPLIED","version":7,"logTime":1700000000000}},
 * fields in record order, null ones omitted. The encoding is deterministic (digests hash it).
 */
public final class OutcomeCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    private OutcomeCodec() {
    }

    public static byte[] encode(Outcome outcome) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", outcome.id());
            json.writeStringField("key", outcome.key());
            json.writeNumberField("offset", outcome.offset());
            json.writeStringField("status", outcome.status().name());
            if (outcome.version() != null) {
                json.writeNumberField("version", outcome.version());
            }
            if (outcome.currentVersion() != null) {
                json.writeNumberField("currentVersion", outcome.currentVersion());
            }
            if (outcome.value() != null) {
                json.writeStringField("value", outcome.value());
            }
            if (outcome.duplicateOf() != null) {
                json.writeNumberField("duplicateOf", outcome.duplicateOf());
            }
            json.writeNumberField("logTime", outcome.logTime());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes what {@link #encode} wrote.
     *
     * @throws IllegalArgumentException if it is not an outcome, naming the bad field
     */
    public static Outcome decode(byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("outcome: must be a JSON object, got unparseable JSON", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("outcome: must be a JSON object, got " + root);
        }
        String status = text(root, "status");
        Outcome.Status parsed;
        try {
            parsed = Outcome.Status.valueOf(status);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("status: must be APPLIED, PRECONDITION_FAILED, TOO_LARGE or DUPLICATE, got "
                    + Validation.quote(status), e);
        }
        return new Outcome(text(root, "id"), text(root, "key"), number(root, "offset"), parsed,
                optionalNumber(root, "version"), optionalNumber(root, "currentVersion"),
                root.hasNonNull("value") ? text(root, "value") : null,
                optionalNumber(root, "duplicateOf"), number(root, "logTime"));
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException(field + ": must be a string, got " + node);
        }
        return node.textValue();
    }

    private static long number(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new IllegalArgumentException(field + ": must be an integer, got " + node);
        }
        return node.longValue();
    }

    private static Long optionalNumber(JsonNode root, String field) {
        return root.hasNonNull(field) ? number(root, field) : null;
    }
}
