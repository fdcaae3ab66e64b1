package io.kvlog.cli.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lost-write check on hand-made histories and final states. */
class LostWriteCheckTest {

    private static Map<String, String> finalState(String key, String value) {
        Map<String, String> state = new HashMap<>();
        state.put(key, value);
        return state;
    }

    private static LostWriteResult check(Ops ops, String finalValue) {
        return LostWriteCheck.check(ops.history(), finalState("k", finalValue));
    }

    private static void assertOneFinding(LostWriteResult result, String... parts) {
        assertEquals(1, result.lost().size(), result.toString());
        for (String part : parts) {
            assertTrue(result.lost().get(0).contains(part), "'" + part + "' not in " + result.lost());
        }
    }

    @Test
    void theLastAcknowledgedWriteIsTheFinalValue() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.put(1, "k", "b", 2, 3);
        ops.get(2, "k", 4, 5, "b");

        LostWriteResult result = check(ops, "b");

        assertTrue(result.ok(), result.toString());
        assertEquals(2, result.acknowledgedWrites());
    }

    @Test
    void anAcknowledgedWriteMissingFromTheFinalStateIsLost() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        long b = ops.put(1, "k", "b", 2, 3);

        assertOneFinding(check(ops, null), "acknowledged #" + b + " p1 PUT 'b'", "is lost", "holds absent");
        // An earlier write coming back is a loss too: "a" was overwritten by the acknowledged "b".
        assertOneFinding(check(ops, "a"), "acknowledged #" + b + " p1 PUT 'b'", "holds 'a'");
    }

    @Test
    void aConcurrentWriteMayHaveSupersededIt() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 10);
        ops.put(2, "k", "b", 5, 15);

        assertTrue(check(ops, "a").ok());
        assertTrue(check(ops, "b").ok());
    }

    @Test
    void aLaterUnknownWriteMayHaveSupersededIt() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.unknown(2, OpKind.PUT, "k", "b", 5);
        ops.unknown(2, OpKind.DELETE, "k", null, 7);

        assertTrue(check(ops, "a").ok());
        assertTrue(check(ops, "b").ok());
        assertTrue(check(ops, null).ok());
    }

    @Test
    void aSupersedingWriteMustBeOneThatLeavesTheFinalValue() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        long b = ops.put(1, "k", "b", 2, 3);
        ops.unknown(2, OpKind.PUT, "k", "c", 5);

        // "a" was surely overwritten by "b"; the unknown "c" may have come after "b" but does not leave "a".
        assertOneFinding(check(ops, "a"), "#" + b + " p1 PUT 'b'");
        assertTrue(check(ops, "c").ok());
    }

    @Test
    void aFailedWriteDoesNotSupersede() {
        Ops ops = new Ops();
        long a = ops.put(1, "k", "a", 0, 1);
        long b = ops.failed(2, OpKind.PUT, "k", "b", 5, 6);

        LostWriteResult result = check(ops, "b");

        assertEquals(2, result.lost().size(), result.toString());
        assertTrue(result.lost().get(0).contains("#" + a + " p1 PUT 'a'") && result.lost().get(0).contains("lost"), result.toString());
        assertTrue(result.lost().get(1).contains("#" + b + " p2 PUT 'b'") && result.lost().get(1).contains("failed but appears applied"),
                result.toString());
    }

    @Test
    void aDeleteIsAWriteToo() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        long delete = ops.delete(1, "k", 2, 3);

        assertTrue(check(ops, null).ok());
        assertOneFinding(check(ops, "a"), "acknowledged #" + delete + " p1 DELETE");
    }

    @Test
    void acknowledgedAppendsSurviveInOrderAndOnce() {
        Ops ops = new Ops();
        ops.append(1, "k", "<1>", 0, 1, "<1>");
        ops.append(2, "k", "<2>", 2, 3, "<1><2>");
        ops.append(1, "k", "<3>", 4, 5, "<1><2><3>");

        assertTrue(check(ops, "<1><2><3>").ok(), check(ops, "<1><2><3>").toString());
    }

    @Test
    void anAcknowledgedAppendMissingFromTheFinalValueIsLost() {
        Ops ops = new Ops();
        ops.append(1, "k", "<1>", 0, 1, "<1>");
        long second = ops.append(2, "k", "<2>", 2, 3, "<1><2>");
        ops.append(1, "k", "<3>", 4, 5, "<1><2><3>");

        assertOneFinding(check(ops, "<1><3>"), "acknowledged #" + second, "does not contain its suffix");
    }

    @Test
    void anAppendAppliedTwiceIsFound() {
        Ops ops = new Ops();
        long first = ops.append(1, "k", "<1>", 0, 1, "<1>");
        ops.append(2, "k", "<2>", 2, 3, "<1><2>");

        assertOneFinding(check(ops, "<1><2><1>"), "#" + first, "took effect 2 times");
    }

    @Test
    void appendsOutOfRealTimeOrderAreFound() {
        Ops ops = new Ops();
        ops.append(1, "k", "<1>", 0, 1, "<1>");
        ops.append(2, "k", "<2>", 2, 3, "<2>");

        LostWriteResult result = check(ops, "<2><1>");

        assertTrue(result.lost().stream().anyMatch(f -> f.contains("appends out of order")), result.toString());
    }

    @Test
    void concurrentAppendsMayLandInEitherOrder() {
        Ops ops = new Ops();
        ops.append(1, "k", "<1>", 0, 10, "<2><1>");
        ops.append(2, "k", "<2>", 1, 9, "<2>");

        assertTrue(check(ops, "<2><1>").ok(), check(ops, "<2><1>").toString());
    }

    @Test
    void aPutAfterAppendsReplacesThem() {
        Ops ops = new Ops();
        ops.append(1, "k", "<1>", 0, 1, "<1>");
        ops.put(2, "k", "fresh", 2, 3);
        ops.append(1, "k", "<2>", 4, 5, "fresh<2>");

        assertTrue(check(ops, "fresh<2>").ok(), check(ops, "fresh<2>").toString());
    }

    @Test
    void failedAppendsThatAppearAppliedAreFound() {
        Ops ops = new Ops();
        ops.append(1, "k", "<1>", 0, 1, "<1>");
        long failed = ops.failed(2, OpKind.APPEND, "k", "<2>", 2, 3);
        ops.get(1, "k", 4, 5, "<1><2>");

        LostWriteResult result = check(ops, "<1><2>");

        assertEquals(2, result.lost().size(), result.toString());
        assertTrue(result.lost().stream().allMatch(f -> f.contains("#" + failed) && f.contains("failed but appears applied")),
                result.toString());
        assertTrue(check(ops, "<1>").lost().stream().anyMatch(f -> f.contains("saw its suffix")), "the read saw it");
    }

    @Test
    void aFailedPutReadByAClientIsFound() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        long failed = ops.failed(2, OpKind.PUT, "k", "b", 2, 3);
        long read = ops.get(1, "k", 4, 5, "b");
        ops.put(1, "k", "c", 6, 7);

        assertOneFinding(check(ops, "c"), "#" + failed, "#" + read + " p1 GET -> 'b' [4.000, 5.000 ms] read its value");
    }

    @Test
    void everyWrittenKeyNeedsAFinalValue() {
        Ops ops = new Ops();
        ops.put(1, "k", "a", 0, 1);
        ops.get(1, "only-read", 0, 1, null);

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> LostWriteCheck.check(ops.history(), Map.of()));
        assertTrue(missing.getMessage().contains("[k]"), missing.getMessage());
        assertTrue(LostWriteCheck.check(ops.history(), Map.of("k", "a")).ok());
    }

    @Test
    void findingsAreCappedPerKey() {
        Ops ops = new Ops();
        for (int i = 0; i < 30; i++) {
            ops.append(1, "k", "<" + i + ">", 2L * i, 2L * i + 1, null);
        }

        List<String> lost = check(ops, "nothing").lost();

        assertEquals(LostWriteCheck.MAX_FINDINGS_PER_KEY + 1, lost.size());
        assertTrue(lost.get(lost.size() - 1).contains("10 more findings not listed"), lost.toString());
    }
}
