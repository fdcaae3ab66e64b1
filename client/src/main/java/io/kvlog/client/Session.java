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

    /** Takes in each {@code PARTITION:OFFSET} of a position {@code P:O,P:O,…}. */
    void sawAll(String position) {
        for (String token : position.split(",")) {
            saw(token.strip());
        }
    }

    /** {@code P:O,P:O,…}, or null before any reply. */
    synchronized String after() {
        if (offsets.isEmpty()) {
            return null;
        }
        StringJoiner text = new StringJoiner(",");
        for (Map.Entry<Integer, Long> e : offsets.entrySet()) {
            text.add(e.getKey() + ":" + e.getValue());
        }
        return text.toString();
    }
}
