package io.kvlog.client;

/**
 * A conditional write ({@link WriteOptions#ifVersion}, {@link WriteOptions#onlyIfExists}) found the key
 * at another version: nothing was written.
 */
public final class PreconditionFailedException extends KvException {

    private final String id;
    private final String key;
    private final long currentVersion;
    private final String token;

    public PreconditionFailedException(String id, String key, long currentVersion, String token) {
        super(412, "PRECONDITION_FAILED", "precondition failed: " + key + " is at version " + currentVersion);
        this.id = id;
        this.key = key;
        this.currentVersion = currentVersion;
        this.token = token;
    }

    public String id() {
        return id;
    }

    public String key() {
        return key;
    }

    /** The key's version when the write was applied (0: absent). */
    public long currentVersion() {
        return currentVersion;
    }

    /** The position of the refused write's event. */
    public String token() {
        return token;
    }
}
