package io.kvlog.writer;

/** What a write's {@code OperationAck} waits for ({@code wait=}). */
public enum AckLevel {
    /** Kafka acknowledged the append with acks=all (the default). */
    LOG,
    /** This node's copy has applied it (and decided its outcome). */
    APPLIED,
    /** This node's copy and every live node's copy have applied it (a node that is not live does not block). */
    ALL
}
