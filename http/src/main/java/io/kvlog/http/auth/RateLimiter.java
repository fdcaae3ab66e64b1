package io.kvlog.http.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-principal token buckets: a principal allowed N requests per second may send N at once,
 * then one every 1/N s. Buckets of principals that went quiet are dropped once there are many
 * (when auth is off, every client address has its own).
 */
final class RateLimiter {

    /** Beyond this many buckets, the full ones (idle for at least a second) are dropped. */
    private static final int MAX_BUCKETS = 10_000;

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * Takes one request from {@code who}'s bucket of {@code perSecond}.
     *
     * @return 0 if the request may go on, else the milliseconds until it would (>= 1)
     */
    long acquire(String who, int perSecond) {
        if (buckets.size() > MAX_BUCKETS) {
            long now = System.nanoTime();
            buckets.values().removeIf(b -> b.full(now));
        }
        return buckets.computeIfAbsent(who, w -> new Bucket(perSecond)).take(perSecond, System.nanoTime());
    }

    private static final class Bucket {
        private double tokens;
        private long lastNanos;
        private int perSecond;

        Bucket(int perSecond) {
            this.perSecond = perSecond;
            this.tokens = perSecond;
            this.lastNanos = System.nanoTime();
        }

        synchronized long take(int rate, long now) {
            if (rate != perSecond) { // the auth file changed its limit
                perSecond = rate;
                tokens = Math.min(tokens, rate);
            }
            tokens = Math.min(perSecond, tokens + (now - lastNanos) / 1e9 * perSecond);
            lastNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) * 1000 / perSecond));
        }

        synchronized boolean full(long now) {
            return tokens + (now - lastNanos) / 1e9 * perSecond >= perSecond;
        }
    }
}
