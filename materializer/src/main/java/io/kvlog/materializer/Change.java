package io.kvlog.materializer;

import io.kvlog.protocol.Token;
import java.util.Locale;

/**
 * One change a copy applied to a key: what watchers are sent and what a key's history lists.
 * An event that changed nothing (a duplicate id, a failed condition, a too-large append, a
 * remove of an absent key, a malformed record) is not a change.
 *
 * @param partition the key's partition of {@code kv.events}
 * @param offset    the event's offset there; the change's version is {@code offset + 1}
 * @param type      put, delete or append
 * @param value     the value put, or the suffix appended; null for a delete
 * @param id        the event's id, null if it had none
 * @param time      the record's timestamp (ms since the epoch), as the producer set it
 */
public record Change(int partition, long offset, String key, Type type, String value, String id, long time) {

    /** What a change did; its name in the API is {@link #label()}. */
    public enum Type {
        PUT, DELETE, APPEND;

        /** {@code put}, {@code delete} or {@code append}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The key's version after the change (for a delete: the version that names the delete in the history). */
    public long version() {
        return offset + 1;
    }

    /** The position a session read passes ({@code after=}) to see this change. */
    public Token token() {
        return new Token(partition, offset);
    }
}
