package io.kvlog.query;

/**
 * How fresh a read must be (DESIGN.md, "Read consistency"); {@code consistency=} takes the
 * lower-case names.
 */
public enum Consistency {
    /**
     * Served by this node's copy once it has applied the partition's high watermark as read after
     * the request arrived: sees every write acked before. Costs a broker round trip (shared by
     * every read that arrives during the previous one) and this copy's apply lag.
     */
    LINEARIZABLE,
    /**
     * With {@code after=TOKEN}: served by this node's copy once it has applied the token's
     * position: read-your-writes and monotonic reads across nodes. Without a token, like {@link #EVENTUAL}.
     */
    SESSION,
    /** Served at once by this node's copy, possibly stale; the reply says its lag ({@code X-KV-Lag}). */
    EVENTUAL
}
