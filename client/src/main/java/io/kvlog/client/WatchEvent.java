package io.kvlog.client;

import java.time.Instant;
import java.util.Optional;

/** What a {@link Watch} hands its listener: a {@link Change} or a {@link Progress}. */
public sealed interface WatchEvent {

    /**
     * The watch's position after this event ({@code P:O,P:O,…}): a watch started from it
     * ({@link WatchRequest#from}) goes on right after it, on any node.
     */
    String position();

    /**
     * One change of a key.
     *
     * @param type    {@code put}, {@code append} or {@code delete}
     * @param value   the key's whole value after it (an append: the suffix); empty for a delete
     * @param token   the position of the change's event
     * @param id      the request id of the write, or null
     */
    record Change(String key, String type, Optional<String> value, long version, String token, String id,
                  Instant time, String position) implements WatchEvent {
    }

    /**
     * The watch has read every partition up to {@code positions} (changes come only after it).
     *
     * @param caughtUp whether the watch has reached this node's copy (it delivers live changes now)
     */
    record Progress(String positions, boolean caughtUp) implements WatchEvent {

        @Override
        public String position() {
            return positions;
        }
    }
}
