package io.kvlog.protocol;

import java.util.Objects;

/**
 * The state of a present key ({@link EntryCodec} is its stored form). An absent key (never
 * written, or removed) has no entry: its version is {@code 0}.
 *
 * @param value   the value
 * @param version {@code offset + 1} of the event that last changed the key, in the key's
 *                partition: always {@code >= 1}, and only grows
 */
public record Entry(String value, long version) {

    public Entry {
        Objects.requireNonNull(value, "value");
        if (version < 1) {
            throw new IllegalArgumentException("version: must be >= 1 (offset + 1), got " + version);
        }
    }

    /** The version of the key an event at {@code offset} changes: {@code offset + 1}. */
    public static long versionAt(long offset) {
        return offset + 1;
    }
}
