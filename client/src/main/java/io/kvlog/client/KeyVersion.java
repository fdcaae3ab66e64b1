package io.kvlog.client;

import java.time.Instant;
import java.util.Optional;

/**
 * One version of a key, from its history.
 *
 * @param version the version
 * @param type    {@code put}, {@code append} or {@code delete}
 * @param value   the whole value the key held then; empty for a delete
 * @param id      the request id of the write that made it, or null
 * @param time    when the write's event was stamped (the writer's clock)
 */
public record KeyVersion(long version, String type, Optional<String> value, String id, Instant time) {
}
