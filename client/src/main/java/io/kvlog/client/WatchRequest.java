package io.kvlog.client;

import java.time.Duration;

/**
 * What to watch and from where. {@link #all()}, {@link #prefix(String)} or {@link #key(String)},
 * then {@link #from(String)} ({@code now}, the default; {@code 0}, every change the log holds;
 * or a token or position, such as a write's token or an event's {@link WatchEvent#position()}).
 *
 * @param progress how often the node sends a {@link WatchEvent.Progress}; three missed in a row
 *                 count as a dropped stream, which the watch resumes on another node
 */
public record WatchRequest(String key, String prefix, String from, Duration progress) {

    private static final Duration DEFAULT_PROGRESS = Duration.ofSeconds(5);

    public WatchRequest {
        if (key != null && prefix != null) {
            throw new IllegalArgumentException("watch a key or a prefix, not both");
        }
        if (progress.isNegative() || progress.isZero()) {
            throw new IllegalArgumentException("progress must be positive, got " + progress);
        }
    }

    public static WatchRequest all() {
        return prefix("");
    }

    public static WatchRequest prefix(String prefix) {
        return new WatchRequest(null, prefix, null, DEFAULT_PROGRESS);
    }

    public static WatchRequest key(String key) {
        return new WatchRequest(key, null, null, DEFAULT_PROGRESS);
    }

    public WatchRequest from(String position) {
        return new WatchRequest(key, prefix, position, progress);
    }

    public WatchRequest progress(Duration every) {
        return new WatchRequest(key, prefix, from, every);
    }
}
