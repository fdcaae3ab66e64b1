package io.kvlog.writer.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Expect;
import io.kvlog.protocol.Validation;
import org.junit.jupiter.api.Test;

class EventLogTest {

    @Test
    void theProducerTakesTheLargestEventAValidWriteMakes() {
        // Given the largest valid value in its worst form for JSON (every byte a control character),
        // the longest id, a condition and the longest key
        int maxValueBytes = Validation.DEFAULT_MAX_VALUE_BYTES;
        String value = "\u0001".repeat(maxValueBytes);
        Event event = Event.insert("i".repeat(Validation.MAX_ID_CHARS), value).expecting(new Expect(Long.MAX_VALUE, true));
        int keyBytes = Validation.MAX_KEY_BYTES;

        // When it is encoded as the record's value
        int encoded = EventCodec.encode(event).length;

        // Then key and value, with room for the record batch's overhead, fit in what the producer takes
        assertTrue(encoded > 5 * maxValueBytes, "the worst case is not exercised: " + encoded + " bytes");
        assertTrue(encoded + keyBytes + 1024 <= EventLog.maxEventBytes(maxValueBytes),
                encoded + " + key > " + EventLog.maxEventBytes(maxValueBytes));
        // and a plain value costs no more than itself plus the envelope
        int plain = EventCodec.encode(Event.insert("id", "v".repeat(maxValueBytes))).length;
        assertTrue(plain < maxValueBytes + 100, plain + " bytes");
    }
}
