package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.materializer.internal.ByteStore;
import io.kvlog.materializer.internal.HistoryIndex;
import io.kvlog.materializer.internal.MemoryByteStore;
import io.kvlog.materializer.internal.PartitionDigester;
import io.kvlog.materializer.internal.StoreLayout;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Expect;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The applier over a store in memory: the semantics of DESIGN.md, record by record. */
class ApplierTest {

    private final MemoryByteStore store = new MemoryByteStore();
    private final Applier applier = new Applier(store, 1, Duration.ofHours(1));

    static LogRecord record(int partition, long offset, long time, String key, Event event) {
        return new LogRecord(partition, offset, time, key.getBytes(StandardCharsets.UTF_8), EventCodec.encode(event));
    }

    private static LogRecord record(long offset, String key, Event event) {
        return record(0, offset, 1_000 + offset, key, event);
    }

    /** A key whose own partition, of {@code partitions}, is {@code partition}. */
    private static String keyIn(int partition, int partitions) {
        for (int i = 0; ; i++) {
            if (io.kvlog.protocol.Topics.partitionOf("k" + i, partitions) == partition) {
                return "k" + i;
            }
        }
    }

    private Entry entry(String key) {
        byte[] stored = store.get(StoreLayout.entry(key));
        return stored == null ? null : EntryCodec.decode(stored);
    }

    private Outcome outcome(int partition, String id) {
        byte[] stored = store.get(StoreLayout.outcome(partition, id));
        return stored == null ? null : OutcomeCodec.decode(stored);
    }

    private static Outcome outcomeOf(Applier.Result result) {
        return assertInstanceOf(Applier.Decided.class, result).outcome();
    }

    private static List<Map.Entry<byte[], byte[]>> contents(ByteStore store) {
        List<Map.Entry<byte[], byte[]>> all = new ArrayList<>();
        try (ByteStore.Range range = store.range(null, null)) {
            range.forEachRemaining(e -> all.add(Map.entry(e.getKey().clone(), e.getValue().clone())));
        }
        return all;
    }

    private static void assertSameContents(List<Map.Entry<byte[], byte[]>> expected, ByteStore actual) {
        List<Map.Entry<byte[], byte[]>> now = contents(actual);
        assertEquals(expected.size(), now.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).getKey(), now.get(i).getKey());
            assertArrayEquals(expected.get(i).getValue(), now.get(i).getValue());
        }
    }

    @Test
    void versionsAreOffsetPlusOneAndAFirstWriteIsVersionOne() {
        // Given an empty partition
        // When a key is inserted at offset 0, then overwritten at offset 3
        Outcome first = outcomeOf(applier.apply(record(0, "hello", Event.insert("w1", "world"))));
        Outcome second = outcomeOf(applier.apply(record(3, "hello", Event.insert("w2", "there"))));

        // Then the versions are 1 and 4, and the entry holds the last value at version 4
        assertEquals(1L, first.version());
        assertEquals(4L, second.version());
        assertEquals(new Entry("there", 4), entry("hello"));
    }

    @Test
    void aRemovedKeyIsAbsentWithVersionZeroAndIfVersionZeroMeansOnlyIfAbsent() {
        // Given a key written at offset 0 (version 1) and removed at offset 1
        applier.apply(record(0, "k", Event.insert("w1", "v")));
        Outcome removed = outcomeOf(applier.apply(record(1, "k", Event.remove("r1"))));
        assertEquals(0L, removed.version());
        assertNull(entry("k"));

        // When a write requires version 0 (absent), and another requires version 1
        Outcome ifAbsent = outcomeOf(applier.apply(record(2, "k",
                Event.insert("w2", "again").expecting(Expect.version(0)))));
        Outcome ifOne = outcomeOf(applier.apply(record(3, "k", Event.insert("w3", "x").expecting(Expect.version(1)))));

        // Then the first applies at version 3, the second fails against version 3
        assertEquals(Outcome.Status.APPLIED, ifAbsent.status());
        assertEquals(3L, ifAbsent.version());
        assertEquals(Outcome.Status.PRECONDITION_FAILED, ifOne.status());
        assertEquals(3L, ifOne.currentVersion());
        assertEquals(new Entry("again", 3), entry("k"));
    }

    @Test
    void ifVersionZeroFailsOnAKeyWrittenAtOffsetZero() {
        // Given a key first written at offset 0: present, version 1
        applier.apply(record(0, "k", Event.insert("w1", "v")));

        // When a write requires the key to be absent
        Outcome outcome = outcomeOf(applier.apply(record(1, "k", Event.insert("w2", "x").expecting(Expect.version(0)))));

        // Then it fails: version 0 is only ever "absent"
        assertEquals(Outcome.Status.PRECONDITION_FAILED, outcome.status());
        assertEquals(1L, outcome.currentVersion());
    }

    @Test
    void reprocessingTheSameOffsetsChangesNothingAppendsIncluded() {
        // Given three events applied, an append among them
        List<LogRecord> records = List.of(record(0, "k", Event.insert("a", "x")), record(1, "k", Event.append("b", "y")),
                record(2, "j", Event.append("c", "z")));
        records.forEach(applier::apply);
        List<Map.Entry<byte[], byte[]>> before = contents(store);

        // When the same offsets come again (a restart re-reads from an older flushed offset)
        for (LogRecord again : records) {
            assertInstanceOf(Applier.AlreadyApplied.class, applier.apply(again));
        }

        // Then the store is byte for byte the same, and the append was applied once
        assertSameContents(before, store);
        assertEquals(new Entry("xy", 2), entry("k"));
    }

    @Test
    void aRepeatedIdIsADuplicateWithTheFirstOutcomeWithinItsPartitionOnly() {
        // Given id w1 applied in partition 0 of 2
        Applier ofTwo = new Applier(store, 2, Duration.ofHours(1));
        String k = keyIn(0, 2);
        String other = keyIn(1, 2);
        Outcome first = outcomeOf(ofTwo.apply(record(0, 0, 1_000, k, Event.append("w1", "a"))));

        // When the same id comes again in partition 0, and in partition 1
        Outcome again = outcomeOf(ofTwo.apply(record(0, 1, 1_001, k, Event.append("w1", "a"))));
        Outcome elsewhere = outcomeOf(ofTwo.apply(record(1, 0, 1_002, other, Event.append("w1", "b"))));

        // Then partition 0 skips it, naming the first outcome; partition 1 applies it
        assertEquals(Outcome.Status.DUPLICATE, again.status());
        assertEquals(0L, again.duplicateOf());
        assertEquals(first.version(), again.version());
        assertEquals(new Entry("a", 1), entry(k));
        assertEquals(Outcome.Status.APPLIED, elsewhere.status());
        assertEquals(new Entry("b", 1), entry(other));
    }

    @Test
    void anIdIsAppliedAnewOnceItsOutcomeIsPastTheWindowAndPurgeRemovesOnlyExpiredOutcomes() {
        // Given id w1 applied at log time 1,000 and id w2 at 3,000,000 (window: 1 h = 3,600,000 ms)
        applier.apply(record(0, 1, 1_000, "k", Event.append("w1", "a")));
        applier.apply(record(0, 2, 3_000_000, "k", Event.append("w2", "b")));

        // When w1 comes again more than an hour of log time later, at an offset that purges
        Outcome later = outcomeOf(applier.apply(record(0, Applier.PURGE_EVERY, 3_601_000 + 1_000, "k",
                Event.append("w1", "c"))));

        // Then it is applied anew; w2 (still in the window) is kept, and w1's outcome is the new one
        assertEquals(Outcome.Status.APPLIED, later.status());
        assertEquals(new Entry("abc", Applier.PURGE_EVERY + 1), entry("k"));
        assertNotNull(outcome(0, "w2"));
        assertEquals(Applier.PURGE_EVERY, outcome(0, "w1").offset());

        // And once w2 is past the window, the next purge offset removes it
        applier.apply(record(0, 2L * Applier.PURGE_EVERY, 3_000_000 + 3_600_000, "z", Event.insert("w3", "v")));
        assertNull(outcome(0, "w2"));
        assertNotNull(outcome(0, "w1"));
    }

    @Test
    void malformedRecordsAreSkippedAndCountedAndOnlyTheProgressMoves() {
        // Given a valid event
        applier.apply(record(0, "k", Event.insert("w1", "v")));
        ApplyCounters counters = new ApplyCounters();

        // When an undecodable value and a key with a control character come
        counters.count(applier.apply(new LogRecord(0, 1, 5, "k".getBytes(StandardCharsets.UTF_8),
                "{not json".getBytes(StandardCharsets.UTF_8))));
        counters.count(applier.apply(new LogRecord(0, 2, 6, "bad\u0001key".getBytes(StandardCharsets.UTF_8),
                EventCodec.encode(Event.insert("w2", "v")))));

        // Then both are malformed, the entry is unchanged, the partition's progress is at offset 2
        assertEquals(2, counters.malformed());
        assertEquals(new Entry("v", 1), entry("k"));
        assertEquals(2L, applier.progress(0).offset());
    }

    @Test
    void anEventWithoutAnIdIsAppliedEveryTime() {
        // Given an event written by another producer with no id
        byte[] noId = "{\"v\":1,\"type\":\"Append\",\"value\":\"x\"}".getBytes(StandardCharsets.UTF_8);

        // When it comes twice
        applier.apply(new LogRecord(0, 0, 1, "k".getBytes(StandardCharsets.UTF_8), noId));
        Outcome second = outcomeOf(applier.apply(new LogRecord(0, 1, 2, "k".getBytes(StandardCharsets.UTF_8), noId)));

        // Then both are applied: nothing deduplicates it
        assertEquals(Outcome.Status.APPLIED, second.status());
        assertEquals(new Entry("xx", 2), entry("k"));
    }

    @Test
    void aRecordWithoutAKeyIsRefusedSoTheCallerSkipsIt() {
        assertThrows(IllegalArgumentException.class, () -> applier.apply(new LogRecord(0, 0, 1, null, new byte[0])));
    }

    @Test
    void partitionsInterleavedInAnyOrderGiveTheSameDigests() {
        // Given one history of 3 partitions, applied in two different interleavings (as two nodes' global threads do)
        Random random = new Random(7);
        int partitions = 3;
        List<List<LogRecord>> byPartition = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            byPartition.add(new ArrayList<>());
        }
        for (int i = 0; i < 600; i++) {
            String key = "k" + random.nextInt(40);
            int p = io.kvlog.protocol.Topics.partitionOf(key, partitions);
            List<LogRecord> log = byPartition.get(p);
            String id = "id" + random.nextInt(300);
            Event event = switch (random.nextInt(4)) {
                case 0 -> Event.insert(id, "v" + i);
                case 1 -> Event.remove(id);
                case 2 -> Event.append(id, "+" + i);
                default -> Event.insert(id, "c" + i).expecting(Expect.version(random.nextInt(5)));
            };
            log.add(record(p, log.size(), 1_000L * i, key, event));
        }
        MemoryByteStore one = new MemoryByteStore();
        MemoryByteStore two = new MemoryByteStore();
        Applier first = new Applier(one, partitions, Duration.ofSeconds(30));
        Applier second = new Applier(two, partitions, Duration.ofSeconds(30));
        // partition by partition
        byPartition.forEach(log -> log.forEach(first::apply));
        // round robin, one record of each partition in turn
        int[] next = new int[partitions];
        boolean more = true;
        while (more) {
            more = false;
            for (int p = partitions - 1; p >= 0; p--) {
                if (next[p] < byPartition.get(p).size()) {
                    second.apply(byPartition.get(p).get(next[p]++));
                    more = true;
                }
            }
        }

        // Then every partition's digest is the same on both
        for (int p = 0; p < partitions; p++) {
            Digest a = PartitionDigester.digest(one, p, partitions);
            Digest b = PartitionDigester.digest(two, p, partitions);
            assertEquals(a, b);
            assertEquals(byPartition.get(p).size() - 1, a.offset());
        }
        assertSameContents(contents(one), two);
    }

    @Test
    void everyChangeIsRecordedInTheKeysHistoryAndNothingElseIs() {
        // Given a key "a" and a key that starts with it, "ab", written in one partition
        applier.apply(record(0, "a", Event.insert("i0", "one")));
        applier.apply(record(1, "ab", Event.insert("i1", "other")));
        applier.apply(record(2, "a", Event.append("i2", "+")));
        applier.apply(record(3, "a", Event.insert("i0", "duplicate")));
        applier.apply(record(4, "a", Event.insert("i4", "x").expecting(Expect.version(9))));
        applier.apply(record(5, "a", Event.remove("i5")));
        applier.apply(record(6, "a", Event.remove("i6")));
        applier.apply(record(7, "a", Event.insert(null, "two")));

        // Then "a"'s history is its four changes, newest first, with their record times; "ab"'s is its own
        List<Revision> history = HistoryIndex.page(store, "a", 0, 10);
        assertEquals(List.of(new Revision(8, Change.Type.PUT, 1_007), new Revision(6, Change.Type.DELETE, 1_005),
                new Revision(3, Change.Type.APPEND, 1_002), new Revision(1, Change.Type.PUT, 1_000)), history);
        assertEquals(List.of(new Revision(2, Change.Type.PUT, 1_001)), HistoryIndex.page(store, "ab", 0, 10));
        // pages: below a version, and bounded
        assertEquals(history.subList(2, 4), HistoryIndex.page(store, "a", 6, 10));
        assertEquals(history.subList(1, 2), HistoryIndex.page(store, "a", 8, 1));
        assertEquals(List.of(), HistoryIndex.page(store, "a", 1, 10));
        // a version is found by its number; one no change made is not
        assertEquals(history.get(2), HistoryIndex.revision(store, "a", 3));
        assertNull(HistoryIndex.revision(store, "a", 4));
        assertNull(HistoryIndex.revision(store, "a", 7));
    }

    @Test
    void aDecidedEventCarriesItsChangeOnlyWhenItChangedTheKey() {
        Change put = assertInstanceOf(Applier.Decided.class,
                applier.apply(record(0, "k", Event.insert("a", "v")))).change();
        assertEquals(new Change(0, 0, "k", Change.Type.PUT, "v", "a", 1_000), put);
        assertNull(assertInstanceOf(Applier.Decided.class, applier.apply(record(1, "k", Event.insert("a", "v"))))
                .change());
        assertNull(assertInstanceOf(Applier.Decided.class, applier.apply(record(2, "none", Event.remove("b"))))
                .change());
    }

    @Test
    void aKeysRecordInAnotherPartitionThanItsOwnIsMalformed() {
        // Given the applier of a log of 4 partitions and a key whose own partition is known
        Applier ofFour = new Applier(store, 4, Duration.ofHours(1));
        int home = io.kvlog.protocol.Topics.partitionOf("k", 4);
        int elsewhere = (home + 1) % 4;

        // When an event of the key arrives in another partition, then one in its own
        Applier.Result wrong = ofFour.apply(record(elsewhere, 0, 1_000, "k", Event.insert("a", "v")));
        Applier.Result right = ofFour.apply(record(home, 0, 1_000, "k", Event.insert("b", "w")));

        // Then the first is malformed (naming both partitions) and changes nothing; the second applies
        Applier.Malformed malformed = assertInstanceOf(Applier.Malformed.class, wrong);
        assertTrue(malformed.error().contains("belongs in partition " + home), malformed.error());
        assertNull(outcome(elsewhere, "a"));
        assertEquals(new Entry("w", 1), entry("k"));
        assertEquals(List.of(new Revision(1, Change.Type.PUT, 1_000)), HistoryIndex.page(store, "k", 0, 10));
    }
}
