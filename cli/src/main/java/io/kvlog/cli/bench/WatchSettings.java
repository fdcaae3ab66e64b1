package io.kvlog.cli.bench;

import java.util.List;

/**
 * How the {@code watch} and {@code history} scenarios are sized. The defaults are issue 13's
 * "Measure" figures; a smoke run shrinks them.
 *
 * @param rate            writes/s of the open-loop writer during each watch delivery run
 * @param watchers        one delivery run per entry, with that many watchers on one node
 * @param catchUpEvents   events written straight to the log, then read by one watch from 0
 * @param historyVersions versions of the one key whose history is read
 * @param historyReads    requests measured per kind of history read (full walks: a tenth of it, at least 1)
 */
public record WatchSettings(int rate, List<Integer> watchers, int catchUpEvents, int historyVersions,
                            int historyReads) {

    /** Versions per history page ({@code limit=}), as issue 13 measures it. */
    public static final int PAGE = 100;

    public WatchSettings {
        require(rate >= 1 && rate <= 100_000, "--watch-rate: must be 1-100000 writes/s, got " + rate);
        require(watchers != null && !watchers.isEmpty(), "--watchers: must name at least one count, got none");
        for (Integer n : watchers) {
            require(n != null && n >= 1 && n <= 1000, "--watchers: each count must be 1-1000, got " + n);
        }
        watchers = List.copyOf(watchers);
        require(catchUpEvents >= 1 && catchUpEvents <= 10_000_000,
                "--catch-up-events: must be 1-10000000, got " + catchUpEvents);
        require(historyVersions >= 1 && historyVersions <= 100_000,
                "--history-versions: must be 1-100000, got " + historyVersions);
        require(historyReads >= 1 && historyReads <= 100_000, "--history-reads: must be 1-100000, got " + historyReads);
    }

    /** How many full walks of the history are timed. */
    public int walks() {
        return Math.max(1, historyReads / 10);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
