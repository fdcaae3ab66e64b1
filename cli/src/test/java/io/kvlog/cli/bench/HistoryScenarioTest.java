package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** How the history scenario judges an as-of reply against the record times of the writes. */
class HistoryScenarioTest {

    // versions 1, 11, 21 written at 1000, 1005 and 1005 ms
    private final HistoryScenario.Written written = new HistoryScenario.Written(new long[] {1, 11, 21},
            new String[] {"a", "b", "c"}, new long[] {1000, 1005, 1005});

    @Test
    void aMomentBetweenWritesHasOneAnswer() {
        HistoryScenario.AsOfTally tally = new HistoryScenario.AsOfTally();

        assertNull(tally.check(reply(1, "a"), written, 1003));

        assertEquals(1, tally.both);
    }

    @Test
    void aMomentThatIsAWritesRecordTimeIsCountedByTheReadingTheReplyMatched() {
        HistoryScenario.AsOfTally tally = new HistoryScenario.AsOfTally();

        // before 1005: version 1; at 1005: version 21 (the last of the two stamped 1005)
        assertNull(tally.check(reply(1, "a"), written, 1005));
        assertNull(tally.check(reply(21, "c"), written, 1005));
        // absent before the first write's time, present at it
        assertNull(tally.check(new HistoryScenario.Reply(404, "{\"value\":null,\"version\":0}"), written, 1000));

        assertEquals(2, tally.strict);
        assertEquals(1, tally.inclusive);
        assertEquals(0, tally.both);
        assertEquals("as-of: neither the last write before nor at the moment",
                tally.check(reply(11, "b"), written, 1005));
        assertEquals("status 504", tally.check(new HistoryScenario.Reply(504, "{}"), written, 1005));
    }

    private static HistoryScenario.Reply reply(long version, String value) {
        return new HistoryScenario.Reply(200, "{\"result\":\"GetResult\",\"version\":" + version + ",\"value\":\""
                + value + "\"}");
    }
}
