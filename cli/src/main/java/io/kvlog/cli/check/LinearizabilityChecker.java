package io.kvlog.cli.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks a history against a register per key: is there, for every key, an order of its operations that respects
 * real time (an operation that returned before another was called comes first) and in which every read sees the
 * last write before it?
 *
 * <p>The model: a key holds a String or nothing (null). PUT sets it, DELETE clears it, APPEND concatenates its
 * suffix to the value ("" when absent) and, when it returned the new value, must have returned exactly that; GET
 * must observe the value. Keys start absent unless initial values are given. Conditional writes are not modelled:
 * record a write refused by its condition as FAIL and an applied one as a plain write.
 *
 * <p>Outcomes: FAIL operations are dropped; UNKNOWN ones may take effect at any time after their call, or never.
 * An operation never completed in the {@link History} counts as UNKNOWN.
 *
 * <p>Keys are independent (a register per key is linearizable iff each key's sub-history is), so each is searched
 * on its own, on a small pool, with its own time budget; a key whose search exceeds the budget gets
 * {@link Verdict#UNKNOWN}, which is reported and never counts as passed. See {@link RegisterSearch} for the search.
 */
public final class LinearizabilityChecker {

    private final Duration timeoutPerKey;
    private final int threads;

    /** A checker with a pool of up to 4 threads (fewer on fewer cores). */
    public LinearizabilityChecker(Duration timeoutPerKey) {
        this(timeoutPerKey, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /** A checker that searches up to {@code threads} keys at once. */
    public LinearizabilityChecker(Duration timeoutPerKey, int threads) {
        Objects.requireNonNull(timeoutPerKey, "timeoutPerKey");
        if (timeoutPerKey.isNegative() || timeoutPerKey.isZero()) {
            throw new IllegalArgumentException("the time budget per key must be positive, not " + timeoutPerKey);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("the checker needs at least one thread, not " + threads);
        }
        this.timeoutPerKey = timeoutPerKey;
        this.threads = threads;
    }

    /** Checks every key of the history, each starting absent. */
    public CheckResult check(History history) {
        return check(history, Map.of());
    }

    /**
     * Checks every key of the history.
     *
     * @param initialValues the value of keys that existed before the history began; keys not in it start absent
     */
    public CheckResult check(History history, Map<String, String> initialValues) {
        long started = System.nanoTime();
        List<HistoryEntry> all = history.entries();
        long origin = all.isEmpty() ? 0 : all.get(0).callNanos();
        Map<String, List<HistoryEntry>> byKey = new TreeMap<>();
        for (HistoryEntry entry : all) {
            byKey.computeIfAbsent(entry.key(), k -> new ArrayList<>()).add(entry);
        }
        List<KeyVerdict> verdicts = new ArrayList<>(byKey.size());
        int poolSize = Math.min(threads, byKey.size());
        if (poolSize <= 1) {
            byKey.forEach((key, entries) -> verdicts.add(checkKey(key, entries, initialValues.get(key), origin)));
        } else {
            AtomicInteger threadNumber = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(poolSize, task -> {
                Thread thread = new Thread(task, "linearizability-check-" + threadNumber.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            try {
                List<Future<KeyVerdict>> futures = new ArrayList<>(byKey.size());
                byKey.forEach((key, entries) ->
                        futures.add(pool.submit(() -> checkKey(key, entries, initialValues.get(key), origin))));
                for (Future<KeyVerdict> future : futures) {
                    verdicts.add(future.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while checking " + byKey.size() + " keys", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw new IllegalStateException("checking a key failed: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        Verdict overall = Verdict.LINEARIZABLE;
        for (KeyVerdict verdict : verdicts) {
            if (verdict.verdict() == Verdict.NOT_LINEARIZABLE) {
                overall = Verdict.NOT_LINEARIZABLE;
            } else if (verdict.verdict() == Verdict.UNKNOWN && overall == Verdict.LINEARIZABLE) {
                overall = Verdict.UNKNOWN;
            }
        }
        return new CheckResult(overall, verdicts, Duration.ofNanos(System.nanoTime() - started));
    }

    private KeyVerdict checkKey(String key, List<HistoryEntry> entries, String initial, long origin) {
        long started = System.nanoTime();
        RegisterSearch search = new RegisterSearch(entries, initial, origin, started + timeoutPerKey.toNanos());
        RegisterSearch.Outcome outcome = search.run();
        double millis = (System.nanoTime() - started) / 1e6;
        String took = String.format(java.util.Locale.ROOT, "[%.1f ms] ", millis);
        return new KeyVerdict(key, outcome.verdict(), search.operations(), took + outcome.explanation());
    }
}
