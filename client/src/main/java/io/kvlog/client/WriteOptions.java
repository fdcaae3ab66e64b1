package io.kvlog.client;

/**
 * How a write is made: its request id, when it is acknowledged, and its condition.
 * {@link #DEFAULT} is a fresh id (made by the client), {@link Wait#LOG}, no condition.
 *
 * @param id        the request id (null: the client makes a UUID); a retry with it takes effect once
 * @param ack       when the write is acknowledged (null: {@link Wait#LOG})
 * @param ifVersion only if the key is at this version (0: only if absent); null: no condition
 * @param ifExists  only if the key exists (puts only)
 */
public record WriteOptions(String id, Wait ack, Long ifVersion, boolean ifExists) {

    public static final WriteOptions DEFAULT = new WriteOptions(null, null, null, false);

    public static WriteOptions withId(String id) {
        return DEFAULT.id(id);
    }

    public WriteOptions id(String newId) {
        return new WriteOptions(newId, ack, ifVersion, ifExists);
    }

    /** Acknowledged once the log has the write ({@link Wait#LOG}), this node's copy, or every live node's. */
    public WriteOptions ack(Wait when) {
        return new WriteOptions(id, when, ifVersion, ifExists);
    }

    /** Only if the key is at {@code version} (0: only if absent). */
    public WriteOptions ifVersion(long version) {
        return new WriteOptions(id, ack, version, ifExists);
    }

    /** Only if the key exists (puts only). */
    public WriteOptions onlyIfExists() {
        return new WriteOptions(id, ack, ifVersion, true);
    }
}
