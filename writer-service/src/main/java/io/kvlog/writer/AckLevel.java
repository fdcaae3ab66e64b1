package io.kvlog.writer;

/** What a write's {@code OperationAck} waits for ({@code wait=}). */
public enum AckLevel {
    /** Kafka acknowledged the append with acks=all (the default). */
    LOG,
    /** The active copy of the key's partition has applied it. */
    APPLIED,
    /** The active copy and every live standby copy have applied it. */
    ALL
}
