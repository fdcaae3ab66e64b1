package io.kvlog.materializer;

/**
 * The answer of a local copy to a read: a {@link Hit} or a {@link Miss} that says why this copy
 * could not answer, so the caller can wait, retry or go to another node.
 *
 * @param <T> what was read
 */
public sealed interface Read<T> permits Read.Hit, Read.Miss {

    /** The partition that was read. */
    int partition();

    /**
     * The copy answered.
     *
     * @param value    what it holds (null if it holds nothing there, e.g. a never-written key)
     * @param position the offset of the last event this copy had applied when it answered, -1 if none
     */
    record Hit<T>(int partition, T value, long position) implements Read<T> {
    }

    /** The copy did not answer; {@code message} says more. */
    record Miss<T>(int partition, Reason reason, String message) implements Read<T> {
    }

    /** Why a copy did not answer. */
    enum Reason {
        /** This node holds no copy of the partition (or not yet: rebalancing, restoring). */
        NOT_HOSTED,
        /** The read required the active copy and this node's copy is a standby. */
        NOT_ACTIVE,
        /** The copy has not yet applied up to the requested position; retry later or elsewhere. */
        NOT_UP_TO_BOUND,
        /** The materializer is not running. */
        NOT_RUNNING,
        /** The store failed; {@code message} has the cause. */
        FAILED
    }
}
