package io.kvlog.cli.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker on small hand-made histories, linearizable and not, and on simulated ones. */
class LinearizabilityCheckerTest {

    private final LinearizabilityChecker checker = new LinearizabilityChecker(Duration.ofSeconds(10));

    private KeyVerdict only(History history) {
        CheckResult result = checker.check(history);
        assertEquals(1, result.keys().size(), result.toString());
        KeyVerdict key = result.keys().get(0);
        assertEquals(key.verdict(), result.overall(), result.toString());
        return key;
    }

    private void assertVerdict(Verdict expected, Ops ops) {
        KeyVerdict verdict = only(ops.history());
        assertEquals(expected, verdict.verdict(), verdict.explanation());
    }

    @Test
    void sequentialWritesAndReadsAreLinearizable() {
        Ops ops = new Ops();
        ops.get(1, "k", 0, 1, null);
        ops.put(1, "k", "a", 2, 3);
        ops.get(2, "k", 4, 5, "a");
        ops.put(2, "k", "b", 6, 7);
        ops.get(1, "k", 8, 9, "b");

        KeyVerdict verdict = only(ops.history());

        assertEquals(Verdict.LINEARIZABLE, verdict.verdict(), verdict.explanation());
        assertEquals(5, verdict.operations());
    }

    @Test
    void staleReadAfterAnAcknowledgedWriteIsNotLinearizable() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.put(1, "k", "b", 2, 3);
        long stale = ops.get(2, "k", 4, 5, "a");

        KeyVerdict verdict = only(ops.history());

        assertEquals(Verdict.NOT_LINEARIZABLE, verdict.verdict(), verdict.explanation());
        // The explanation names the prefix that works, the value it leaves, and the read that cannot follow.
        String why = verdict.explanation();
        assertTrue(why.contains("longest linearizable prefix holds 2 of 3 acknowledged operations"), why);
        assertTrue(why.contains("after which the key held 'b'"), why);
        assertTrue(why.contains("#" + stale + " p2 GET -> 'a'"), why);
        assertTrue(why.contains("read 'a' but the key held 'b'"), why);
    }

    @Test
    void readOfANeverWrittenValueIsNotLinearizable() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.get(2, "k", 2, 3, "z");

        assertVerdict(Verdict.NOT_LINEARIZABLE, ops);
    }

    @Test
    void readOfAnAbsentKeyAfterAWriteIsNotLinearizable() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.get(2, "k", 2, 3, null);

        assertVerdict(Verdict.NOT_LINEARIZABLE, ops);
    }

    @Test
    void aReadConcurrentWithAWriteMaySeeEitherValue() {
        for (String seen : new String[] {"a", null}) {
            Ops ops = new Ops();
            ops.put(1, "k", "a", 0, 10);
            ops.get(2, "k", 2, 3, seen);

            assertVerdict(Verdict.LINEARIZABLE, ops);
        }
    }

    @Test
    void readsConcurrentWithAWriteCannotSeeTheNewValueAndThenTheOldOne() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 10);
        ops.get(2, "k", 2, 3, "a");
        ops.get(3, "k", 4, 5, null);

        assertVerdict(Verdict.NOT_LINEARIZABLE, ops);
    }

    @Test
    void concurrentWritesMayTakeEffectInEitherOrder() {
        for (String[] reads : new String[][] {{"a", "a"}, {"b", "b"}, {"a", null}, {"b", null}}) {
            Ops ops = new Ops();
            ops.put(1, "k", "a", 0, 10);
            ops.put(2, "k", "b", 1, 9);
            ops.get(3, "k", 11, 12, reads[0]);
            if (reads[1] != null) {
                ops.get(3, "k", 13, 14, reads[1]);
            }

            assertVerdict(Verdict.LINEARIZABLE, ops);
        }
    }

    @Test
    void afterConcurrentWritesReturnTheValueCannotChangeWithoutAWrite() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 10);
        ops.put(2, "k", "b", 1, 9);
        ops.get(3, "k", 11, 12, "a");
        ops.get(4, "k", 13, 14, "b");

        assertVerdict(Verdict.NOT_LINEARIZABLE, ops);
    }

    @Test
    void anUnknownWriteMayHaveTakenEffect() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.unknown(1, OpKind.PUT, "k", "b", 2);
        ops.get(2, "k", 5, 6, "b");

        assertVerdict(Verdict.LINEARIZABLE, ops);
    }

    @Test
    void anUnknownWriteMayNeverTakeEffect() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.unknown(1, OpKind.PUT, "k", "b", 2);
        ops.get(2, "k", 5, 6, "a");
        ops.get(2, "k", 7, 8, "a");

        assertVerdict(Verdict.LINEARIZABLE, ops);
    }

    @Test
    void anUnknownWriteMayTakeEffectLongAfterItsCall() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.unknown(1, OpKind.PUT, "k", "b", 2);
        ops.get(2, "k", 5, 6, "a");
        ops.get(2, "k", 100, 101, "b");

        assertVerdict(Verdict.LINEARIZABLE, ops);
    }

    @Test
    void anUnknownWriteTakesEffectAtMostOnce() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.unknown(1, OpKind.PUT, "k", "b", 2);
        ops.get(2, "k", 5, 6, "b");
        ops.put(3, "k", "c", 7, 8);
        ops.get(2, "k", 9, 10, "b");

        assertVerdict(Verdict.NOT_LINEARIZABLE, ops);
    }

    @Test
    void anUnknownWriteCannotTakeEffectBeforeItsCall() {
        Ops ops = new Ops();
        ops.get(2, "k", 0, 1, "b");
        ops.unknown(1, OpKind.PUT, "k", "b", 2);

        assertVerdict(Verdict.NOT_LINEARIZABLE, ops);
    }

    @Test
    void unknownWritesDoNotMultiplyTheSearchForAStaleRead() {
        // 24 concurrent unknown writes, each read once in turn, then a stale read: without the reductions for
        // unknown operations, proving it impossible would try every subset of the writes.
        Ops ops = new Ops();
        ops.put(0, "k", "a", 0, 1);
        for (int i = 0; i < 24; i++) {
            ops.unknown(i + 1, OpKind.PUT, "k", "u" + i, 2 + i);
            ops.unknown(i + 1, OpKind.PUT, "k", "never seen " + i, 2 + i);
        }
        for (int i = 0; i < 24; i++) {
            ops.get(30, "k", 100 + 2L * i, 101 + 2L * i, "u" + i);
        }
        ops.get(30, "k", 200, 201, "u3");

        KeyVerdict verdict = only(ops.history());

        assertEquals(Verdict.NOT_LINEARIZABLE, verdict.verdict(), verdict.explanation());
        assertTrue(verdict.explanation().contains("24 of those never observed and left out"), verdict.explanation());
    }

    @Test
    void aFailedWriteNeverTakesEffect() {
        Ops seenAnyway = new Ops();
        seenAnyway.put(1, "k", "a", 0, 1);
        seenAnyway.failed(1, OpKind.PUT, "k", "b", 2, 3);
        seenAnyway.get(2, "k", 4, 5, "b");
        assertVerdict(Verdict.NOT_LINEARIZABLE, seenAnyway);

        Ops notSeen = new Ops();
        notSeen.put(1, "k", "a", 0, 1);
        notSeen.failed(1, OpKind.PUT, "k", "b", 2, 3);
        notSeen.get(2, "k", 4, 5, "a");
        KeyVerdict verdict = only(notSeen.history());
        assertEquals(Verdict.LINEARIZABLE, verdict.verdict(), verdict.explanation());
        assertEquals(2, verdict.operations(), "the FAIL write is not checked");
    }

    @Test
    void anOperationNeverCompletedCountsAsUnknown() {
        History history = new History();
        long put = history.invoke(1, OpKind.PUT, "k", "a");
        history.ok(put, null);
        history.invoke(1, OpKind.PUT, "k", "b"); // the client crashed before the reply
        long read = history.invoke(2, OpKind.GET, "k", null);
        history.ok(read, "b");

        CheckResult result = checker.check(history);

        assertEquals(Verdict.LINEARIZABLE, result.overall(), result.toString());
    }

    @Test
    void appendsConcatenateInTheirOrder() {
        Ops ops = new Ops();
        ops.append(1, "k", "x", 0, 1, "x");
        ops.append(2, "k", "y", 2, 3, "xy");
        ops.get(1, "k", 4, 5, "xy");
        assertVerdict(Verdict.LINEARIZABLE, ops);

        Ops reordered = new Ops();
        reordered.append(1, "k", "x", 0, 1, "x");
        reordered.append(2, "k", "y", 2, 3, "xy");
        reordered.get(1, "k", 4, 5, "yx");
        assertVerdict(Verdict.NOT_LINEARIZABLE, reordered);
    }

    @Test
    void concurrentAppendsMayApplyInEitherOrderButMustReturnWhatTheyMade() {
        Ops ops = new Ops();
        ops.append(1, "k", "x", 0, 10, "yx");
        ops.append(2, "k", "y", 1, 9, "y");
        ops.get(3, "k", 11, 12, "yx");
        assertVerdict(Verdict.LINEARIZABLE, ops);

        Ops wrongReturn = new Ops();
        wrongReturn.append(1, "k", "x", 0, 1, "x");
        wrongReturn.append(2, "k", "y", 2, 3, "y"); // lost the x
        KeyVerdict verdict = only(wrongReturn.history());
        assertEquals(Verdict.NOT_LINEARIZABLE, verdict.verdict(), verdict.explanation());
        assertTrue(verdict.explanation().contains("returned 'y' but appending to 'x' gives 'xy'"), verdict.explanation());
    }

    @Test
    void anAppendToAnAbsentKeyStartsFromEmptyAndAnAppendAfterAPutExtendsIt() {
        Ops ops = new Ops();
        ops.append(1, "k", "x", 0, 1, "x");
        ops.put(1, "k", "a", 2, 3);
        ops.append(2, "k", "y", 4, 5, "ay");
        ops.unknown(2, OpKind.APPEND, "k", "z", 6);
        ops.get(1, "k", 8, 9, "ayz");
        assertVerdict(Verdict.LINEARIZABLE, ops);
    }

    @Test
    void deleteClearsTheKey() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.delete(2, "k", 2, 3);
        ops.get(1, "k", 4, 5, null);
        ops.append(1, "k", "x", 6, 7, "x");
        assertVerdict(Verdict.LINEARIZABLE, ops);

        Ops resurrected = new Ops();
        resurrected.put(1, "k", "a", 0, 1);
        resurrected.delete(2, "k", 2, 3);
        resurrected.get(1, "k", 4, 5, "a");
        assertVerdict(Verdict.NOT_LINEARIZABLE, resurrected);
    }

    @Test
    void keysAreCheckedSeparatelyAndFromTheirInitialValues() {
        Ops ops = new Ops();
        ops.get(1, "a", 0, 1, "old");
        ops.put(2, "b", "x", 0, 1);
        ops.get(1, "b", 2, 3, "x");
        ops.get(1, "c", 2, 3, "y"); // never written

        CheckResult result = checker.check(ops.history(), Map.of("a", "old"));

        assertEquals(Verdict.NOT_LINEARIZABLE, result.overall(), result.toString());
        assertEquals(List.of("a", "b", "c"), result.keys().stream().map(KeyVerdict::key).toList());
        assertEquals(List.of("c"), result.anomalies().stream().map(KeyVerdict::key).toList());
    }

    @Test
    void anEmptyHistoryIsLinearizable() {
        CheckResult result = checker.check(new History());

        assertEquals(Verdict.LINEARIZABLE, result.overall());
        assertTrue(result.keys().isEmpty());
    }

    /**
     * Many fully concurrent writes of distinct values and then an impossible read: proving it impossible means
     * trying every subset of the writes, millions of configurations, far beyond a millisecond.
     */
    private static Ops pathological(String key, int writes) {
        Ops ops = new Ops();
        for (int i = 0; i < writes; i++) {
            ops.put(i, key, "v" + i, 0, 1_000);
        }
        ops.get(writes, key, 1_001, 1_002, "never written");
        return ops;
    }

    @Test
    void aSearchOverItsBudgetIsUnknownAndReportedNotPassed() {
        History history = pathological("k", 22).history();
        LinearizabilityChecker impatient = new LinearizabilityChecker(Duration.ofMillis(1));

        CheckResult result = impatient.check(history);

        assertEquals(Verdict.UNKNOWN, result.overall(), result.toString());
        assertEquals(1, result.anomalies().size());
        assertTrue(result.anomalies().get(0).explanation().contains("time budget ran out"), result.toString());
    }

    @Test
    void aNonLinearizableKeyOutweighsATimedOutOne() {
        Ops ops = pathological("slow", 22);
        ops.put(1, "wrong", "a", 0, 1);
        ops.get(2, "wrong", 2, 3, "b");
        LinearizabilityChecker impatient = new LinearizabilityChecker(Duration.ofMillis(1), 2);

        CheckResult result = impatient.check(ops.history());

        assertEquals(Verdict.NOT_LINEARIZABLE, result.overall(), result.toString());
        assertEquals(Verdict.UNKNOWN, result.keys().get(0).verdict(), result.toString());
        assertEquals(Verdict.NOT_LINEARIZABLE, result.keys().get(1).verdict(), result.toString());
    }

    @Test
    void aBudgetMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new LinearizabilityChecker(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new LinearizabilityChecker(Duration.ofSeconds(1), 0));
    }

    @Test
    void simulatedLinearizableHistoriesPassAndOneBrokenReadFailsThem() {
        Random random = new Random(7);
        int stale = 0;
        int future = 0;
        for (int trial = 0; trial < 150; trial++) {
            SimulatedRegister.Shape shape = new SimulatedRegister.Shape(3 + random.nextInt(3), 1 + random.nextInt(3),
                    20 + random.nextInt(60), random.nextInt(4) * 0.05, 5 + random.nextInt(20));
            long seed = random.nextLong();
            List<HistoryEntry> history = SimulatedRegister.generate(shape, seed);
            String context = shape + " seed " + seed;

            CheckResult clean = checker.check(History.of(history));
            assertEquals(Verdict.LINEARIZABLE, clean.overall(), context + ": " + clean.anomalies());

            List<HistoryEntry> staleRead = SimulatedRegister.withStaleRead(history, random);
            if (staleRead != null) {
                stale++;
                CheckResult broken = checker.check(History.of(staleRead));
                assertEquals(Verdict.NOT_LINEARIZABLE, broken.overall(), context + " with a stale read: " + broken);
            }
            List<HistoryEntry> futureRead = SimulatedRegister.withFutureRead(history, random);
            if (futureRead != null) {
                future++;
                CheckResult broken = checker.check(History.of(futureRead));
                assertEquals(Verdict.NOT_LINEARIZABLE, broken.overall(), context + " with a future read: " + broken);
            }
        }
        // The mutations must have been exercised, not skipped for want of a place to apply them.
        assertTrue(stale > 100 && future > 100, "stale reads " + stale + ", future reads " + future + " of 150");
    }

    @Test
    void aBigSimulatedHistoryIsDecided() {
        // 5 processes on one key, 4000 operations with some unknown writes: decided, not timed out.
        List<HistoryEntry> history = SimulatedRegister.generate(new SimulatedRegister.Shape(5, 1, 800, 0.02, 20), 42);

        CheckResult result = checker.check(History.of(history));

        assertEquals(Verdict.LINEARIZABLE, result.overall(), result.toString());
        assertEquals(4000, history.size());
        assertNotNull(result.elapsed());
    }
}
