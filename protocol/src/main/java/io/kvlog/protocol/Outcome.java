package io.kvlog.protocol;

import java.util.Objects;

/**
 * What applying one event decided, recorded by its id so a writer can fetch it
 * ({@link OutcomeCodec} is its JSON form).
 *
 * <p>The materializer stores the first outcome of an id; a later event with the same id within
 * the dedupe window is not applied and gets a {@link Status#DUPLICATE} outcome that repeats the
 * first one's {@code version}, {@code currentVersion} and {@code value} and points at it with
 * {@code duplicateOf}. Duplicate outcomes are returned by the applier, never stored.
 *
 * @param id             the event's id
 * @param key            the event's key
 * @param offset         the event's offset in its {@link Topics#EVENTS} partition
 * @param status         what happened
 * @param version        the key's version after the event when {@code APPLIED}: {@code offset + 1},
 *                       or {@code 0} after a Remove; null otherwise
 * @param currentVersion the key's version that failed the precondition ({@code 0} = absent);
 *                       null otherwise
 * @param value          the key's value after an applied {@code Append}; null otherwise
 * @param duplicateOf    the offset of the first event with this id, for {@code DUPLICATE} only
 * @param logTime        the partition's log time when the event was applied: the largest
 *                       record timestamp up to this event (ms since the epoch; never wall-clock)
 */
public record Outcome(String id, String key, long offset, Status status, Long version, Long currentVersion,
                      String value, Long duplicateOf, long logTime) {

    /** What applying an event did. */
    public enum Status {
        /** The event changed the key; its version is now the event's offset + 1 (0 if removed). */
        APPLIED,
        /** The event's condition did not hold; nothing changed. */
        PRECONDITION_FAILED,
        /**
         * An Append whose result would exceed {@link Validation#MAX_STORED_VALUE_BYTES}; nothing
         * changed. Decided at apply time against a fixed limit, so every copy and replay agrees.
         */
        TOO_LARGE,
        /** The id was already applied within the dedupe window; nothing changed, the first outcome stands. */
        DUPLICATE
    }

    public Outcome {
        Objects.requireNonNull(status, "status");
        Validation.id(id);
        Objects.requireNonNull(key, "key");
        if (offset < 0) {
            throw new IllegalArgumentException("offset: must be >= 0, got " + offset);
        }
        if (status == Status.APPLIED && (version == null || currentVersion != null)) {
            throw new IllegalArgumentException("APPLIED: must have version and no currentVersion, got version="
                    + version + " currentVersion=" + currentVersion);
        }
        if ((status == Status.PRECONDITION_FAILED || status == Status.TOO_LARGE)
                && (version != null || currentVersion == null)) {
            throw new IllegalArgumentException(status + ": must have currentVersion and no version, got version="
                    + version + " currentVersion=" + currentVersion);
        }
        if ((status == Status.DUPLICATE) != (duplicateOf != null)) {
            throw new IllegalArgumentException("duplicateOf: must be set exactly for DUPLICATE, got " + duplicateOf
                    + " for " + status);
        }
    }

    /**
     * The event changed the key to {@code version} ({@code offset + 1}, or {@code 0} if it removed
     * it); for an {@code Append}, {@code value} is the key's new value.
     */
    public static Outcome applied(String id, String key, long offset, long version, String appendedValue, long logTime) {
        return new Outcome(id, key, offset, Status.APPLIED, version, null, appendedValue, null, logTime);
    }

    /** The event's condition did not hold for a key at {@code currentVersion} ({@code 0} = absent). */
    public static Outcome preconditionFailed(String id, String key, long offset, long currentVersion, long logTime) {
        return new Outcome(id, key, offset, Status.PRECONDITION_FAILED, null, currentVersion, null, null, logTime);
    }

    /** An Append refused because the key's value would grow past {@link Validation#MAX_STORED_VALUE_BYTES}. */
    public static Outcome tooLarge(String id, String key, long offset, long currentVersion, long logTime) {
        return new Outcome(id, key, offset, Status.TOO_LARGE, null, currentVersion, null, null, logTime);
    }

    /** The outcome of a later event with this outcome's id, at {@code offset}: a duplicate of this one. */
    public Outcome duplicateAt(String duplicateKey, long duplicateOffset, long duplicateLogTime) {
        return new Outcome(id, duplicateKey, duplicateOffset, Status.DUPLICATE, version, currentVersion, value, offset,
                duplicateLogTime);
    }
}
