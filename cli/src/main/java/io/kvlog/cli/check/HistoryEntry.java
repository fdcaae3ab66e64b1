package io.kvlog.cli.check;

import java.util.Objects;

/**
 * One recorded operation.
 *
 * @param id          unique within its history
 * @param process     the client (thread) that issued it; only used in explanations
 * @param kind        what it did
 * @param key         the key it addressed
 * @param value       PUT's value or APPEND's suffix; null for DELETE and GET
 * @param callNanos   {@link System#nanoTime()} just before the request was sent
 * @param returnNanos {@link System#nanoTime()} just after the reply arrived; {@link Long#MAX_VALUE} if UNKNOWN
 * @param outcome     how it ended
 * @param observed    GET's value (null = absent) or APPEND's returned new value (null = not recorded); null otherwise
 */
public record HistoryEntry(long id, int process, OpKind kind, String key, String value,
                           long callNanos, long returnNanos, OpOutcome outcome, String observed) {

    /** The end of an operation whose outcome is unknown: it may take effect at any time after its call. */
    public static final long OPEN = Long.MAX_VALUE;

    public HistoryEntry {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
        if ((kind == OpKind.PUT || kind == OpKind.APPEND) && value == null) {
            throw new IllegalArgumentException("operation " + id + ": a " + kind + " needs a value");
        }
        if (outcome == OpOutcome.UNKNOWN && returnNanos != OPEN) {
            throw new IllegalArgumentException("operation " + id + ": an UNKNOWN outcome has an open end (returnNanos "
                    + "Long.MAX_VALUE), not " + returnNanos);
        }
        if (returnNanos < callNanos) {
            throw new IllegalArgumentException("operation " + id + " returned at " + returnNanos
                    + " before its call at " + callNanos);
        }
    }

    /** True for OK operations: acknowledged, so they took effect exactly once within their interval. */
    public boolean acknowledged() {
        return outcome == OpOutcome.OK;
    }
}
