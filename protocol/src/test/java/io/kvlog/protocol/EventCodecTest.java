package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private static String json(Event event) {
        return new String(EventCodec.encode(event), StandardCharsets.UTF_8);
    }

    private static String error(String json) {
        EventCodec.Decoded decoded = EventCodec.decode(json.getBytes(StandardCharsets.UTF_8));
        return assertInstanceOf(EventCodec.Invalid.class, decoded, json).error();
    }

    private static Event valid(String json) {
        return assertInstanceOf(EventCodec.Valid.class, EventCodec.decode(json.getBytes(StandardCharsets.UTF_8)), json)
                .event();
    }

    @Test
    void encodesExactlyTheDesignedJsonWithAbsentFieldsOmitted() {
        assertEquals("{\"v\":1,\"type\":\"Insert\",\"id\":\"w-1\",\"value\":\"héllo \\\"x\\\"\",\"expect\":{\"version\":5}}",
                json(Event.insert("w-1", "héllo \"x\"").expecting(Expect.version(5))));
        assertEquals("{\"v\":1,\"type\":\"Remove\",\"id\":\"r\"}", json(Event.remove("r")));
        assertEquals("{\"v\":1,\"type\":\"Append\",\"id\":\"a\",\"value\":\"\",\"expect\":{\"exists\":true}}",
                json(Event.append("a", "").expecting(Expect.exists(true))));
    }

    @Test
    void decodeInvertsEncode() {
        for (Event event : new Event[] {
                Event.insert("i", "v\n\u0001😀"),
                Event.remove("r").expecting(new Expect(0L, false)),
                Event.append("a", "suffix").expecting(Expect.version(Long.MAX_VALUE))}) {
            assertEquals(event, valid(json(event)));
        }
    }

    @Test
    void malformedEventsAreErrorsNamingTheField() {
        assertEquals("id: must be 1-128 chars of [A-Za-z0-9._:-], got 'a b'",
                error("{\"v\":1,\"type\":\"Insert\",\"id\":\"a b\",\"value\":\"x\"}"));
        assertEquals("type: must be Insert, Remove or Append, got 'Upsert'",
                error("{\"v\":1,\"type\":\"Upsert\",\"id\":\"a\",\"value\":\"x\"}"));
        assertEquals("v: must be 1, got '2'", error("{\"v\":2,\"type\":\"Remove\",\"id\":\"a\"}"));
        assertEquals("v: must be 1, got none", error("{\"type\":\"Remove\",\"id\":\"a\"}"));
        assertEquals("value: must be present for Insert, got none", error("{\"v\":1,\"type\":\"Insert\",\"id\":\"a\"}"));
        assertEquals("value: must be absent for Remove, got 'x'",
                error("{\"v\":1,\"type\":\"Remove\",\"id\":\"a\",\"value\":\"x\"}"));
        assertEquals("expect.version: must be an integer >= 0, got '-1'",
                error("{\"v\":1,\"type\":\"Remove\",\"id\":\"a\",\"expect\":{\"version\":-1}}"));
        assertEquals("expect.exists: must be true or false, got 'yes'",
                error("{\"v\":1,\"type\":\"Remove\",\"id\":\"a\",\"expect\":{\"exists\":\"yes\"}}"));
        assertEquals("expect: must have version or exists, got neither",
                error("{\"v\":1,\"type\":\"Remove\",\"id\":\"a\",\"expect\":{}}"));
        assertEquals("'ttl': unknown field, expected one of [expect, id, type, v, value]",
                error("{\"v\":1,\"type\":\"Remove\",\"id\":\"a\",\"ttl\":3}"));
        assertEquals("event: must be a JSON object, got '[1]'", error("[1]"));
    }

    @Test
    void unparseableDuplicateOrTrailingJsonIsAnErrorNotAnException() {
        assertEquals(true, error("{\"v\":1,").startsWith("event: must be a JSON object, got unparseable JSON"));
        assertEquals(true, error("{\"v\":1,\"v\":1,\"type\":\"Remove\",\"id\":\"a\"}").startsWith("event: must be a JSON object"));
        assertEquals(true, error("{\"v\":1,\"type\":\"Remove\",\"id\":\"a\"} {}").startsWith("event: must be a JSON object"));
        assertEquals(true, error("").startsWith("event: must be a JSON object"));
        assertInstanceOf(EventCodec.Invalid.class, EventCodec.decode(null));
        assertInstanceOf(EventCodec.Invalid.class, EventCodec.decode(new byte[] {(byte) 0xFF, (byte) 0xFE}));
    }
}
