package io.kvlog.cli.bench;

import java.time.Duration;

/**
 * How a workload is driven.
 *
 * @param connections    HTTP connections, spread round-robin over the target's endpoints
 * @param keys           key space: keys {@code bench-0 .. bench-(keys-1)}, picked uniformly
 * @param valueBytes     size of each written value (ASCII, so bytes = chars)
 * @param warmupSeconds  seconds run but not measured
 * @param seconds        seconds measured
 * @param rate           0: closed loop; otherwise open loop at this many requests per second
 * @param timeoutMillis  per-request timeout in ms (a request without a reply by then counts as {@code timeout})
 * @param primeSeconds   seconds of unmeasured load on each system before its first workload (0: none)
 */
public record LoadSettings(int connections, int keys, int valueBytes, int warmupSeconds, int seconds, int rate,
                           long timeoutMillis, int primeSeconds) {

    public LoadSettings {
        require(connections >= 1 && connections <= 10_000, "connections: must be 1-10000, got " + connections);
        require(keys >= 1, "keys: must be >= 1, got " + keys);
        require(valueBytes >= 1 && valueBytes <= 1024 * 1024, "value size: must be 1 B - 1 MiB, got " + valueBytes);
        require(warmupSeconds >= 0, "warm-up: must be >= 0 seconds, got " + warmupSeconds);
        require(seconds >= 1, "duration: must be >= 1 second, got " + seconds);
        require(rate >= 0, "rate: must be >= 0 requests/s (0 = closed loop), got " + rate);
        require(timeoutMillis > 0, "timeout: must be > 0 ms, got " + timeoutMillis);
        require(primeSeconds >= 0, "prime: must be >= 0 seconds, got " + primeSeconds);
    }

    /** These settings for one priming run of {@code seconds}: closed loop, nothing of it measured as a result. */
    public LoadSettings priming(int seconds) {
        return new LoadSettings(connections, keys, valueBytes, 0, seconds, 0, timeoutMillis, 0);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public Duration timeout() {
        return Duration.ofMillis(timeoutMillis);
    }

    public String mode() {
        return rate == 0 ? "closed" : "open " + rate + "/s";
    }

    public static String key(int index) {
        return "bench-" + index;
    }
}
