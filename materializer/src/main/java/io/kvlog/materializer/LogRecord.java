package io.kvlog.materializer;

/**
 * One record of a {@link io.kvlog.protocol.Topics#EVENTS} partition, as the {@link Applier} sees
 * it: nothing Kafka-specific, so the live topology and a replay feed it the same way.
 *
 * @param partition the partition it was read from
 * @param offset    its offset in that partition
 * @param timestamp its record timestamp (log time, ms since the epoch; may be negative if unset)
 * @param key       the record key: the user key's UTF-8 bytes (null if the record had none)
 * @param value     the record value: the event's JSON (null if the record had none)
 */
public record LogRecord(int partition, long offset, long timestamp, byte[] key, byte[] value) {
}
