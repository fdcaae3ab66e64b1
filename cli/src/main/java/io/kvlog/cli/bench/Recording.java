package io.kvlog.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Records the outcomes of one run from any thread and cuts them into one-second intervals: every
 * second it prints progress (ops/s, p99, errors) and keeps the interval; intervals after the
 * warm-up are added to the run's total histogram and error counts. Only successes go into the
 * latency histogram; failures are counted by kind.
 *
 * <p>Latencies are recorded in nanoseconds up to 1 hour with 3 significant digits.
 */
public final class Recording {

    private static final long HIGHEST_NANOS = Duration.ofHours(1).toNanos();

    private final Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
    private final Map<String, LongAdder> intervalErrors = new ConcurrentHashMap<>();
    private final Histogram total = new Histogram(HIGHEST_NANOS, 3);
    private final Map<String, Long> totalErrors = new TreeMap<>();
    private final List<WorkloadResult.Second> timeline = new ArrayList<>();
    private Histogram interval;

    public void success(long latencyNanos) {
        recorder.recordValue(Math.min(Math.max(latencyNanos, 0), HIGHEST_NANOS));
    }

    public void error(String kind) {
        intervalErrors.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /**
     * Closes the current second: records it in the timeline and, unless in warm-up, in the totals.
     * Called by one thread only (the run's clock).
     */
    public WorkloadResult.Second tick(int t, boolean warmup) {
        interval = recorder.getIntervalHistogram(interval);
        long errors = 0;
        for (Map.Entry<String, LongAdder> e : intervalErrors.entrySet()) {
            long n = e.getValue().sumThenReset();
            errors += n;
            if (!warmup && n > 0) {
                totalErrors.merge(e.getKey(), n, Long::sum);
            }
        }
        if (!warmup) {
            total.add(interval);
        }
        WorkloadResult.Second second = new WorkloadResult.Second(t, warmup, interval.getTotalCount(),
                interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99) / 1e6, errors);
        timeline.add(second);
        return second;
    }

    /**
     * Runs the clock: {@code warmup} then {@code measure} whole seconds, ticking at each second
     * boundary from {@code startNanos} and printing one progress line per tick.
     */
    public void clock(long startNanos, int warmup, int measure, String label, Consumer<String> progress)
            throws InterruptedException {
        for (int t = 1; t <= warmup + measure; t++) {
            long wait = startNanos + t * 1_000_000_000L - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            WorkloadResult.Second s = tick(t, t <= warmup);
            progress.accept(String.format("%-28s %3d s%s %9d ops/s  p99 %8.2f ms  errors %d", label, t,
                    s.warmup() ? " (warm-up)" : "          ", s.ops(), s.p99Ms(), s.errors()));
        }
    }

    public Histogram total() {
        return total;
    }

    public Map<String, Long> errors() {
        return totalErrors;
    }

    public List<WorkloadResult.Second> timeline() {
        return timeline;
    }

    /** The result of the measured period of {@code measureSeconds}. */
    public WorkloadResult result(String system, String workload, String mode, int connections, int measureSeconds) {
        return new WorkloadResult(system, workload, mode, connections, measureSeconds, total.getTotalCount(),
                total.getTotalCount() / (double) measureSeconds, LatencySummary.of(total), totalErrors, timeline);
    }

    /** An error kind for a failed request: {@code timeout}, {@code connection}, or the exception's class. */
    public static String kindOf(Throwable failure) {
        String name = failure.getClass().getName();
        String message = String.valueOf(failure.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (name.contains("Timeout") || message.contains("timeout") || message.contains("timed out")) {
            return "timeout";
        }
        if (failure instanceof java.net.ConnectException || name.contains("Connect") || message.contains("connection")
                || failure instanceof java.io.IOException) {
            return "connection";
        }
        return failure.getClass().getSimpleName();
    }
}
