package io.kvlog.client;

import java.util.Optional;

/**
 * A key's value as a read found it.
 *
 * @param key     the key read
 * @param value   its value; empty when the key is absent (or, for a read of a past version or
 *                moment, had no value then)
 * @param version the key's version: the offset + 1 of the event that made the value (0: never written)
 * @param token   {@code PARTITION:OFFSET} this copy had applied when it answered
 * @param id      the request id the read was sent with, or null
 * @param reason  for a read of a past version or moment without a value: why (a delete, no such
 *                version, past the log's end, absent then); empty otherwise
 */
public record GetResult(String key, Optional<String> value, long version, String token, String id,
                        Optional<String> reason) implements Result {
}
