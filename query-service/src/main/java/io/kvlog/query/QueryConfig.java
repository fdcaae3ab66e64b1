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
 */
public record QueryConfig(String bootstrapServers, Duration readTimeout, int maxScanLimit) {

    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMillis(1000);
    public static final int DEFAULT_MAX_SCAN_LIMIT = 1000;

    public QueryConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (readTimeout == null || readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("readTimeout: must be > 0, got " + readTimeout);
        }
        if (maxScanLimit < 1) {
            throw new IllegalArgumentException("maxScanLimit: must be >= 1, got " + maxScanLimit);
        }
    }

    /** The defaults, for the given Kafka cluster. */
    public static QueryConfig defaults(String bootstrapServers) {
        return new QueryConfig(bootstrapServers, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_SCAN_LIMIT);
    }

    public QueryConfig withReadTimeout(Duration timeout) {
        return new QueryConfig(bootstrapServers, timeout, maxScanLimit);
    }

    public QueryConfig withMaxScanLimit(int limit) {
        return new QueryConfig(bootstrapServers, readTimeout, limit);
    }
}
