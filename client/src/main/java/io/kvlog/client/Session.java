package io.kvlog.client;

import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * A client's session: per partition of {@code kv.events}, the newest position of any reply it
 * saw (writes' tokens, reads' tokens). Sent as {@code after=} with session reads, it makes every
 * node wait until its copy has it: read-your-writes and monotonic reads across nodes. At most one
 * entry per partition.
 */
final class Session {

    // guarded by this
    private final TreeMap<Integer, Long> offsets = new TreeMap<>();

    /** Takes in {@code PARTITION:OFFSET}; a token it cannot read is left out (the reply had none). */
    void saw(String token) {
        long[] read = token == null ? null : read(token);
        if (read != null) {
            synchronized (this) {
                offsets.merge((int) read[0], read[1], Math::max);
            }
        }
    }

    /** {@code P:O,P:O,…}, or null before any reply. */
    synchronized String after() {
        return after(null);
    }

    /**
     * The session with {@code extra} (a token or position {@code P:O,P:O,…}; null for none) for
     * one read, the session itself unchanged; null if both are empty.
     *
     * @throws IllegalArgumentException naming {@code extra} if it is not a token or position
     */
    synchronized String after(String extra) {
        TreeMap<Integer, Long> all = new TreeMap<>(offsets);
        if (extra != null) {
            for (String part : extra.split(",", -1)) {
                long[] read = read(part.strip());
                if (read == null) {
                    throw new IllegalArgumentException("after: expected a token PARTITION:OFFSET or a position"
                            + " P:O,P:O,... as a reply gave it, got '" + extra + "'");
                }
                all.merge((int) read[0], read[1], Math::max);
            }
        }
        if (all.isEmpty()) {
            return null;
        }
        StringJoiner text = new StringJoiner(",");
        for (Map.Entry<Integer, Long> e : all.entrySet()) {
            text.add(e.getKey() + ":" + e.getValue());
        }
        return text.toString();
    }

    /** {partition, offset} of {@code PARTITION:OFFSET} (partition >= 0, offset >= -1), or null if it is not one. */
    private static long[] read(String token) {
        int colon = token.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        try {
            int partition = Integer.parseInt(token.substring(0, colon));
            long offset = Long.parseLong(token.substring(colon + 1));
            return partition >= 0 && offset >= -1 ? new long[] {partition, offset} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
