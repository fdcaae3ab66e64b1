package io.kvlog.protocol;

/**
 * The condition of a write, checked when its event is applied (so every replica decides the same).
 *
 * <p>An absent key (never written, or removed) has version {@code 0}; versions of present keys
 * are {@code offset + 1}, so {@code 0} means "only if absent" without exception.
 *
 * @param version if not null, apply only if the key's current version is this ({@code 0} = only
 *                if absent); the {@code if-version} of the HTTP API
 * @param exists  if not null, apply only if the key is present ({@code true}) or absent
 *                ({@code false}); the {@code if-exists} of the HTTP API
 */
public record Expect(Long version, Boolean exists) {

    public Expect {
        if (version == null && exists == null) {
            throw new IllegalArgumentException("expect: must have version or exists, got neither");
        }
        if (version != null && version < 0) {
            throw new IllegalArgumentException("expect.version: must be >= 0, got " + version);
        }
    }

    /** Only if the key's current version is {@code version} ({@code 0} = only if absent). */
    public static Expect version(long version) {
        return new Expect(version, null);
    }

    /** Only if the key is present ({@code true}) or absent ({@code false}). */
    public static Expect exists(boolean exists) {
        return new Expect(null, exists);
    }

    /**
     * Whether a key in the given state satisfies this condition.
     *
     * @param present        whether the key has a value
     * @param currentVersion the key's version, {@code 0} when not present
     */
    public boolean holdsFor(boolean present, long currentVersion) {
        boolean versionHolds = version == null || version == (present ? currentVersion : 0);
        return versionHolds && (exists == null || exists == present);
    }
}
