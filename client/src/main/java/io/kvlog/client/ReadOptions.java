package io.kvlog.client;

import java.time.Instant;

/**
 * How a get reads: its consistency, or a past value (a version or a moment). {@link #DEFAULT}
 * reads at the client's default consistency ({@link Consistency#SESSION} unless built otherwise).
 *
 * @param consistency null: the client's default
 * @param version     the value the key had at this version (null: the current value)
 * @param asOf        the value the key had at this moment (null: the current value)
 * @param id          a request id to echo in the reply (optional)
 * @param after       a token or position ({@code P:O,…}) from elsewhere (another process) that a
 *                    session read waits for too, on top of the client's session (which it does not join)
 */
public record ReadOptions(Consistency consistency, Long version, Instant asOf, String id, String after) {

    public static final ReadOptions DEFAULT = new ReadOptions(null, null, null, null, null);

    public ReadOptions {
        if (version != null && asOf != null) {
            throw new IllegalArgumentException("a read of a past value takes a version or a moment, not both");
        }
    }

    public static ReadOptions at(Consistency consistency) {
        return DEFAULT.consistency(consistency);
    }

    public static ReadOptions atVersion(long version) {
        return new ReadOptions(null, version, null, null, null);
    }

    public static ReadOptions asOf(Instant moment) {
        return new ReadOptions(null, null, moment, null, null);
    }

    public ReadOptions consistency(Consistency newConsistency) {
        return new ReadOptions(newConsistency, version, asOf, id, after);
    }

    public ReadOptions id(String newId) {
        return new ReadOptions(consistency, version, asOf, newId, after);
    }

    public ReadOptions after(String position) {
        return new ReadOptions(consistency, version, asOf, id, position);
    }
}
