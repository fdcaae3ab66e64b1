package io.kvlog.http;

import java.time.Duration;

/** A point in (monotonic) time by which a request must be answered. */
public record Deadline(long atNanos) {

    public static Deadline in(Duration timeout) {
        return new Deadline(System.nanoTime() + timeout.toNanos());
    }

    public static Deadline inMillis(long millis) {
        return new Deadline(System.nanoTime() + millis * 1_000_000L);
    }

    /** Milliseconds left, 0 once passed. */
    public long remainingMillis() {
        return Math.max(0, (atNanos - System.nanoTime()) / 1_000_000L);
    }

    public boolean expired() {
        return System.nanoTime() - atNanos >= 0;
    }

    /** The earlier of the two. */
    public Deadline min(Deadline other) {
        return atNanos - other.atNanos <= 0 ? this : other;
    }
}
