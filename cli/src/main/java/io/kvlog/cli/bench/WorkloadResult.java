package io.kvlog.cli.bench;

import java.util.List;
import java.util.Map;

/**
 * What one workload measured against one system: successful operations per second over the
 * measured period (warm-up excluded), their latencies, errors by kind, and the per-second
 * timeline of the whole run (warm-up included, marked).
 *
 * @param system   {@code kvlog}, {@code etcd}, {@code kafka-producer}, {@code null-http}
 * @param workload the workload's name
 * @param mode     {@code closed} (each connection sends its next request when the reply came) or
 *                 {@code open R/s} (requests sent on a schedule; latency from the intended send time)
 * @param errors   error counts of the measured period: {@code status NNN}, {@code timeout},
 *                 {@code connection}, or the exception's class
 */
public record WorkloadResult(String system, String workload, String mode, int connections, double seconds,
                             long ops, double opsPerSecond, LatencySummary latency, Map<String, Long> errors,
                             List<Second> timeline) {

    /** One second of the run. */
    public record Second(int t, boolean warmup, long ops, double p99Ms, long errors) {
    }

    public WorkloadResult {
        errors = Map.copyOf(errors);
        timeline = List.copyOf(timeline);
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Label of the line in plots and tables. */
    public String label() {
        return system + " " + workload;
    }
}
