package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.kvlog.materializer.internal.SortedMapTable;
import io.kvlog.materializer.internal.StoredForms;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Expect;
import io.kvlog.protocol.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The applier driven directly, for what a topology test cannot do: the same offsets twice, a half-applied state. */
class ApplierTest {

    private final SortedMapTable entries = new SortedMapTable();
    private final SortedMapTable outcomes = new SortedMapTable();
    private final Applier applier = new Applier(StoredForms.entries(entries), StoredForms.outcomes(outcomes),
            Duration.ofHours(24));

    private static LogRecord record(long offset, String key, Event event) {
        return new LogRecord(0, offset, 1_000 + offset, key.getBytes(StandardCharsets.UTF_8), EventCodec.encode(event));
    }

    private static List<Map.Entry<String, byte[]>> snapshot(SortedMapTable table) {
        List<Map.Entry<String, byte[]>> copy = new ArrayList<>();
        table.records().forEach(e -> copy.add(Map.entry(e.getKey(), e.getValue().clone())));
        return copy;
    }

    private static void assertSameRecords(List<Map.Entry<String, byte[]>> expected, SortedMapTable actual) {
        List<Map.Entry<String, byte[]>> now = snapshot(actual);
        assertEquals(expected.size(), now.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).getKey(), now.get(i).getKey());
            assertArrayEquals(expected.get(i).getValue(), now.get(i).getValue(), expected.get(i).getKey());
        }
    }

    @Test
    void anAppendThatWouldGrowTheValuePastTheStoredLimitIsRefusedAndChangesNothing() {
        // Given a key holding 700,000 bytes
        String big = "x".repeat(700_000);
        applier.apply(record(0, "k", Event.append("a1", big)));

        // When an append would take it past the stored-value limit (1 MiB)
        Applier.Result result = applier.apply(record(1, "k", Event.append("a2", big)));

        // Then it is refused with the key's current version, and the value is unchanged
        Outcome outcome = ((Applier.Decided) result).outcome();
        assertEquals(Outcome.Status.TOO_LARGE, outcome.status());
        assertEquals(0L, outcome.currentVersion());
        assertEquals(Entry.present(big, 0), StoredForms.entries(entries).get("k"));
        assertEquals(outcome, StoredForms.outcomes(outcomes).get("a2"));

        // And an append that fits exactly is still applied
        String rest = "y".repeat(io.kvlog.protocol.Validation.MAX_STORED_VALUE_BYTES - 700_000);
        Outcome fits = ((Applier.Decided) applier.apply(record(2, "k", Event.append("a3", rest)))).outcome();
        assertEquals(Outcome.Status.APPLIED, fits.status());
        assertEquals(io.kvlog.protocol.Validation.MAX_STORED_VALUE_BYTES, StoredForms.entries(entries).get("k").value().length());
    }

    @Test
    void reprocessingTheSameOffsetsAfterACrashChangesNothing() {
        // Given a log with appends (not idempotent by themselves), a remove and a failed condition
        List<LogRecord> log = List.of(
                record(0, "k", Event.append("a1", "x")),
                record(1, "k", Event.append("a2", "y")),
                record(2, "j", Event.insert("i1", "v").expecting(Expect.exists(true))),
                record(3, "k", Event.remove("r1")),
                record(4, "k", Event.append("a3", "z")));
        log.forEach(applier::apply);
        var entriesBefore = snapshot(entries);
        var outcomesBefore = snapshot(outcomes);
        // When the last three records are delivered again, as after a crash before the commit
        for (LogRecord again : log.subList(2, 5)) {
            Applier.Result result = applier.apply(again);
            // Then each is recognised as already applied
            assertInstanceOf(Applier.AlreadyApplied.class, result);
        }
        // And both stores are byte for byte what they were
        assertSameRecords(entriesBefore, entries);
        assertSameRecords(outcomesBefore, outcomes);
        assertEquals(Entry.present("z", 4), StoredForms.entries(entries).get("k"));
    }

    @Test
    void anEventAtOrBelowItsKeysVersionIsANoOpEvenIfProgressWasLost() {
        // Given a store whose entry for k was written at offset 5 but whose progress says 3
        // (what a restore can leave under at-least-once: the entry's changelog record arrived, the progress one did not)
        applier.apply(record(3, "other", Event.insert("o", "v")));
        StoredForms.entries(entries).put("k", Entry.present("five", 5));
        // When the event at offset 5 is processed again
        Applier.Result result = applier.apply(record(5, "k", Event.append("a5", "!")));
        // Then it is not applied a second time
        assertInstanceOf(Applier.AlreadyApplied.class, result);
        assertEquals(Entry.present("five", 5), StoredForms.entries(entries).get("k"));
        assertEquals(5, StoredForms.entries(entries).progress().offset());
    }

    @Test
    void anEventWhoseIdHasAnOutcomeAtTheSameOffsetIsANoOp() {
        // Given a precondition failure recorded for offset 4 while progress stayed at 3
        applier.apply(record(3, "other", Event.insert("o", "v")));
        Outcome failed = Outcome.preconditionFailed("c4", "k", 4, 0, 1004);
        StoredForms.outcomes(outcomes).put("c4", failed);
        // When offset 4 is processed again, now with the key present (a later write restored ahead)
        StoredForms.entries(entries).put("k", Entry.present("v", 2));
        Applier.Result result = applier.apply(record(4, "k", Event.insert("c4", "w").expecting(Expect.version(0))));
        // Then the recorded decision stands
        assertInstanceOf(Applier.AlreadyApplied.class, result);
        assertEquals(failed, StoredForms.outcomes(outcomes).get("c4"));
        assertEquals(Entry.present("v", 2), StoredForms.entries(entries).get("k"));
    }

    @Test
    void aDuplicateOutcomeRepeatsTheFirstAndPointsAtIt() {
        applier.apply(record(0, "k", Event.append("a", "x")));
        Applier.Result result = applier.apply(record(1, "k", Event.append("a", "x")));
        Outcome duplicate = assertInstanceOf(Applier.Decided.class, result).outcome();
        assertEquals(Outcome.Status.DUPLICATE, duplicate.status());
        assertEquals(0L, duplicate.duplicateOf());
        assertEquals("x", duplicate.value());
        assertEquals(1, duplicate.offset());
        assertEquals(Entry.present("x", 0), StoredForms.entries(entries).get("k"));
    }
}
