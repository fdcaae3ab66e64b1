package io.kvlog.protocol;

/**
 * The state of one key ({@link EntryCodec} is its stored form).
 *
 * @param value   the value; null when deleted
 * @param version the offset of the event that last changed the key
 * @param deleted whether this is a tombstone: the key was removed at {@code version} and reads
 *                as absent, but keeps the version so versions of the key never go back
 */
public record Entry(String value, long version, boolean deleted) {

    public Entry {
        if (version < 0) {
            throw new IllegalArgumentException("version: must be >= 0, got " + version);
        }
        if (deleted != (value == null)) {
            throw new IllegalArgumentException("value: must be null exactly for a tombstone, got "
                    + Validation.quote(value) + " with deleted=" + deleted);
        }
    }

    public static Entry present(String value, long version) {
        return new Entry(value, version, false);
    }

    public static Entry tombstone(long version) {
        return new Entry(null, version, true);
    }

    /** Whether the key reads as present. */
    public boolean present() {
        return !deleted;
    }
}
