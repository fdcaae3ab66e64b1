package io.kvlog.client;

/** When a write is acknowledged. */
public enum Wait {
    /** Once the replicated log has it (acks=all): durable. The default. */
    LOG,
    /** Once the answering node's copy has applied it too. */
    APPLIED,
    /** Once every live node's copy has applied it. */
    ALL
}
