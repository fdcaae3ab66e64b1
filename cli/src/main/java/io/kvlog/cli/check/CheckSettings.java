package io.kvlog.cli.check;

import java.time.Duration;

/**
 * How a check runs: the short version (for {@code mvn verify}: seconds per scenario) or the long
 * one ({@code kv check --long}: a minute or more per scenario), and the seed every random choice
 * (fault victims, operation mix, proxy faults) derives from.
 */
public record CheckSettings(boolean longRun, long seed) {

    public Duration pick(Duration shortRun, Duration longValue) {
        return longRun ? longValue : shortRun;
    }

    public int pick(int shortRun, int longValue) {
        return longRun ? longValue : shortRun;
    }

    public Duration linearizabilityTimeoutPerKey() {
        return pick(Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    public int partitions() {
        return pick(6, 12);
    }
}
