package io.kvlog.query.internal;

/**
 * One page of one partition's copy, as a scan asks it of the node holding the copy.
 *
 * @param partition     the partition of {@code kv.events}
 * @param range         the keys still wanted
 * @param max           at most this many entries (tombstones count: they advance the page)
 * @param atLeast       only from a copy that has applied this offset (-1: any position)
 * @param requireActive only from the active copy
 */
public record RangeRequest(int partition, KeyRange range, int max, long atLeast, boolean requireActive) {

    public RangeRequest {
        if (max < 1) {
            throw new IllegalArgumentException("max: must be >= 1, got " + max);
        }
    }
}
