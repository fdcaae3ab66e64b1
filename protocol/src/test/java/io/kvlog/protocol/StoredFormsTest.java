package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StoredFormsTest {

    @Test
    void entriesRoundTrip() {
        for (Entry entry : new Entry[] {new Entry("", 1), new Entry("välue 😀", 42)}) {
            assertEquals(entry, EntryCodec.decode(EntryCodec.encode(entry)));
        }
        assertThrows(IllegalArgumentException.class, () -> EntryCodec.decode(new byte[] {2, 0}));
        assertThrows(IllegalArgumentException.class, () -> new Entry("v", 0));
    }

    @Test
    void outcomesRoundTripAsJsonWithAbsentFieldsOmitted() {
        // Given an applied Append outcome
        Outcome applied = Outcome.applied("w-1", "k", 9, 10, "ab", 1000);
        // When encoded
        String json = new String(OutcomeCodec.encode(applied), StandardCharsets.UTF_8);
        // Then it is the documented JSON and decodes back
        assertEquals("{\"id\":\"w-1\",\"key\":\"k\",\"offset\":9,\"status\":\"APPLIED\",\"version\":10,\"value\":\"ab\","
                + "\"logTime\":1000}", json);
        assertEquals(applied, OutcomeCodec.decode(OutcomeCodec.encode(applied)));

        Outcome failed = Outcome.preconditionFailed("w-2", "k", 10, 9, 1001);
        assertEquals(failed, OutcomeCodec.decode(OutcomeCodec.encode(failed)));
        Outcome duplicate = failed.duplicateAt("k", 11, 1002);
        assertEquals(Long.valueOf(10), duplicate.duplicateOf());
        assertEquals(duplicate, OutcomeCodec.decode(OutcomeCodec.encode(duplicate)));
    }

    @Test
    void inconsistentOutcomesAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new Outcome("i", "k", 1, Outcome.Status.APPLIED, null, null, null, null, 0));
        assertThrows(IllegalArgumentException.class,
                () -> OutcomeCodec.decode("{\"id\":\"i\",\"key\":\"k\",\"offset\":1,\"status\":\"MAYBE\",\"logTime\":0}"
                        .getBytes(StandardCharsets.UTF_8)));
    }
}
