package io.kvlog.client;

/** How fresh a read must be; see the README's "Semantics". */
public enum Consistency {
    /** Sees every write acknowledged before the read was sent (costs a broker round trip). */
    LINEARIZABLE,
    /**
     * Sees every write and read this client saw before (its session token), on any node:
     * read-your-writes and monotonic reads. The client's default.
     */
    SESSION,
    /** This node's copy as it is, possibly behind. */
    EVENTUAL
}
