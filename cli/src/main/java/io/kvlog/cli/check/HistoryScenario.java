package io.kvlog.cli.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * What the scenarios that record a history share: concurrent client loops bounded in time, the
 * final linearizable reads after healing, and the two history checks.
 */
abstract class HistoryScenario implements Scenario {

    /** How long one request may block on the network: longer than any server deadline. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** The process number of the final reads in the history. */
    static final int CHECKER_PROCESS = 0;
    /** The most a load runs, whatever else it waits for. */
    static final Duration MAX_LOAD = Duration.ofMinutes(6);

    /** The body of one client: called again and again until the time is up. */
    interface ClientStep {
        void step(RecordingClient client, int step) throws Exception;
    }

    /**
     * Runs {@code clients} clients (processes 1..n, over every node URL) for {@code duration}; a
     * client's step that throws ends the run and is rethrown. Returns the number of steps.
     */
    static int runClients(ScenarioContext ctx, History history, List<String> urls, int clients, Duration duration,
                          ClientStep body) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        return runClients(history, urls, clients, () -> System.nanoTime() >= end, body);
    }

    /**
     * Runs {@code clients} clients until {@code finished} says so (asked before every step, at most
     * {@link #MAX_LOAD} in all); a client's step that throws ends the run and is rethrown.
     */
    static int runClients(History history, List<String> urls, int clients, BooleanSupplier finished,
                          ClientStep body) throws Exception {
        Duration duration = MAX_LOAD;
        ExecutorService pool = Executors.newFixedThreadPool(clients, r -> {
            Thread t = new Thread(r, "kv-check-client");
            t.setDaemon(true);
            return t;
        });
        long end = System.nanoTime() + duration.toNanos();
        AtomicInteger steps = new AtomicInteger();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int p = 1; p <= clients; p++) {
                RecordingClient client = new RecordingClient(p, urls, history, REQUEST_TIMEOUT);
                futures.add(pool.submit(() -> {
                    for (int step = 0; !finished.getAsBoolean() && System.nanoTime() < end; step++) {
                        body.step(client, step);
                        steps.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    // each step is bounded by its attempts' timeouts
                    f.get(duration.toMillis() + Duration.ofMinutes(3).toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                } catch (TimeoutException e) {
                    throw new IllegalStateException("a client did not finish within 3 minutes after the end of the load");
                }
            }
        } finally {
            pool.shutdownNow();
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("client threads still running 30 s after the scenario");
            }
        }
        return steps.get();
    }

    /**
     * Reads every key linearizably, recorded in the history as the checker's process, retrying
     * while the cluster settles (up to a minute per key). A key that cannot be read is a finding;
     * it is left out of the returned map.
     */
    static Map<String, String> finalValues(ScenarioContext ctx, History history, Collection<String> keys,
                                           ScenarioReport report) {
        RecordingClient reader = new RecordingClient(CHECKER_PROCESS, ctx.cluster().nodeUrls(), history, REQUEST_TIMEOUT);
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : keys) {
            RecordingClient.Result read = reader.perform(OpKind.GET, key, null, Map.of(), 120, Duration.ofMillis(500));
            if (read.ok()) {
                values.put(key, read.value());
            } else {
                report.finding("final read of " + key + " failed after " + read.attempts() + " attempts: " + read.detail());
            }
        }
        return values;
    }

    /** Runs the linearizability checker and the lost-write check, and files their results. */
    static void checkHistory(ScenarioContext ctx, History history, Map<String, String> finalValues,
                             ScenarioReport report) {
        report.finalValues(finalValues);
        ctx.progress().accept("  checking " + history.size() + " operations on " + history.byKey().size() + " keys");
        CheckResult result = new LinearizabilityChecker(ctx.settings().linearizabilityTimeoutPerKey()).check(history);
        report.linearizability(result);
        ctx.progress().accept("  linearizability: " + result.overall() + " in " + result.elapsed().toMillis() + " ms");
        List<String> unread = history.entries().stream()
                .filter(e -> e.kind() != OpKind.GET && !finalValues.containsKey(e.key()))
                .map(HistoryEntry::key).distinct().toList();
        if (!unread.isEmpty()) {
            // the final reads failed (each is a finding already): without them there is nothing to compare with
            report.finding("lost-write check not run: " + unread.size() + " written keys have no final value, e.g. "
                    + unread.get(0));
            return;
        }
        LostWriteResult lost = LostWriteCheck.check(history, finalValues);
        report.lostWrites(lost);
        ctx.progress().accept("  lost writes: " + lost.lost().size() + " of " + lost.acknowledgedWrites() + " acked writes");
    }

    /** Counts of the history's operations by outcome, for the report. */
    static String outcomes(History history) {
        Map<OpOutcome, Integer> counts = new java.util.EnumMap<>(OpOutcome.class);
        history.entries().forEach(e -> counts.merge(e.outcome(), 1, Integer::sum));
        return history.size() + " operations: " + counts.getOrDefault(OpOutcome.OK, 0) + " ok, "
                + counts.getOrDefault(OpOutcome.FAIL, 0) + " failed, " + counts.getOrDefault(OpOutcome.UNKNOWN, 0)
                + " unknown";
    }
}
