package io.kvlog.materializer;

/**
 * One version in a key's history as this copy indexes it: which event made it (the one at
 * offset {@code version - 1} of the key's partition) and what it did. The value is not kept
 * here: it is in that event, in the log.
 *
 * @param time the event record's timestamp (ms since the epoch)
 */
public record Revision(long version, Change.Type type, long time) {

    /** The offset of the event that made this version. */
    public long offset() {
        return version - 1;
    }
}
