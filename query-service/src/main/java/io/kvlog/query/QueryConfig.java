package io.kvlog.query;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything a {@link QueryService} needs besides its node's materializer, built once by whoever
 * starts it (flag > env > default) and passed in.
 *
 * @param bootstrapServers the Kafka cluster holding {@code kv.events}: high watermarks for
 *                         linearizable reads, brokers for {@code /v1/cluster}
 * @param readTimeout      how long a read may take, waiting for this copy to catch up
 *                         included, before it is answered 503 (default 1000 ms)
 * @param maxScanLimit     the largest {@code limit=} of a scan (default 1000)
 * @param watchBufferBytes how many bytes of changes one watcher may fall behind (queued for a
 *                         client that does not read fast enough) before it is closed with an
 *                         error event (default 16 MiB): the memory a watcher can hold
 */
public record QueryConfig(String bootstrapServers, Duration readTimeout, int maxScanLimit, long watchBufferBytes) {

    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMillis(1000);
    public static final int DEFAULT_MAX_SCAN_LIMIT = 1000;
    public static final long DEFAULT_WATCH_BUFFER_BYTES = 16L << 20;

    public QueryConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("readTimeout: must be > 0, got " + readTimeout);
        }
        if (maxScanLimit < 1) {
            throw new IllegalArgumentException("maxScanLimit: must be >= 1, got " + maxScanLimit);
        }
        if (watchBufferBytes < 1024) {
            throw new IllegalArgumentException("watchBufferBytes: must be >= 1024, got " + watchBufferBytes);
        }
    }

    /** The defaults, for the given Kafka cluster. */
    public static QueryConfig defaults(String bootstrapServers) {
        return new QueryConfig(bootstrapServers, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_SCAN_LIMIT, DEFAULT_WATCH_BUFFER_BYTES);
    }

    public QueryConfig withReadTimeout(Duration timeout) {
        return new QueryConfig(bootstrapServers, timeout, maxScanLimit, watchBufferBytes);
    }

    public QueryConfig withMaxScanLimit(int limit) {
        return new QueryConfig(bootstrapServers, readTimeout, limit, watchBufferBytes);
    }

    public QueryConfig withWatchBufferBytes(long bytes) {
        return new QueryConfig(bootstrapServers, readTimeout, maxScanLimit, bytes);
    }
}
