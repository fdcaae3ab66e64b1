package io.kvlog.cli.check;

import java.time.Duration;
import java.util.List;

/**
 * The verdict on a whole history: NOT_LINEARIZABLE if any key is, else UNKNOWN if any key timed out, else
 * LINEARIZABLE. Keys are in key order.
 */
public record CheckResult(Verdict overall, List<KeyVerdict> keys, Duration elapsed) {

    public CheckResult {
        keys = List.copyOf(keys);
    }

    /** NOT_LINEARIZABLE and UNKNOWN keys: the ones a report must show. */
    public List<KeyVerdict> anomalies() {
        return keys.stream().filter(k -> k.verdict() != Verdict.LINEARIZABLE).toList();
    }
}
