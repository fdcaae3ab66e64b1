package io.kvlog.client;

import java.util.Optional;

/**
 * A write is durable in the replicated log ({@code OperationAck}).
 *
 * @param id      the write's request id: a retry with it takes effect once
 * @param key     the key written
 * @param version the key's version after the write: its event's offset + 1 (a delete has one too)
 * @param token   {@code PARTITION:OFFSET} of the write's event: a read after it sees the write
 * @param value   an append's new value; empty for a put or a delete
 */
public record OperationAck(String id, String key, long version, String token, Optional<String> value)
        implements Result {
}
