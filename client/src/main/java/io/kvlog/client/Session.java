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
        if (token == null) {
            return;
        }
        int colon = token.indexOf(':');
        if (colon <= 0) {
            return;
        }
        try {
            int partition = Integer.parseInt(token.substring(0, colon));
            long offset = Long.parseLong(token.substring(colon + 1));
            synchronized (this) {
                offsets.merge(partition, offset, Math::max);
            }
        } catch (NumberFormatException e) {
            // not a token: nothing to remember
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
                String token = part.strip();
                int colon = token.indexOf(':');
                try {
                    int partition = Integer.parseInt(token.substring(0, Math.max(0, colon)));
                    long offset = Long.parseLong(token.substring(colon + 1));
                    if (partition < 0 || offset < -1) {
                        throw new NumberFormatException("out of range");
                    }
                    all.merge(partition, offset, Math::max);
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    throw new IllegalArgumentException("after: expected a token PARTITION:OFFSET or a position"
                            + " P:O,P:O,... as a reply gave it, got '" + extra + "'");
                }
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
}
