package io.kvlog.cli.check;

import io.kvlog.cli.check.faults.FaultyProxy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 3: three clients reach the nodes only through {@link FaultyProxy}s that drop
 * connections before forwarding, drop replies after forwarding and delay; every write is retried
 * with its id until it gets an answer. The effect must be exactly once:
 * <ul>
 *   <li>appends to one list key: the final list holds every acked element once, every element of
 *       unknown outcome at most once, nothing else, and each client's elements in its order;</li>
 *   <li>a counter incremented by compare-and-set ({@code if-version} of the value read): its final
 *       value lies between the acked increments and those plus the increments of unknown outcome.</li>
 * </ul>
 * The counter is set to 0 before the load (versions are offset + 1, so any present key's version is
 * at least 1 and {@code if-version} of the value read always means that value).
 */
final class UnreliableLinksScenario extends HistoryScenario {

    static final String LIST = "s3-list";
    static final String COUNTER = "s3-counter";
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);
    private static final int WRITE_ATTEMPTS = 20;

    @Override
    public int number() {
        return 3;
    }

    @Override
    public String name() {
        return "unreliable client links";
    }

    @Override
    public void run(ScenarioContext ctx, ScenarioReport report) throws Exception {
        Duration load = ctx.settings().pick(Duration.ofSeconds(20), Duration.ofSeconds(90));
        History history = new History();
        report.history(history);
        FaultLog faults = new FaultLog(ctx.progress());
        report.faults(faults);

        // Given the counter at 0
        RecordingClient direct = new RecordingClient(CHECKER_PROCESS, ctx.cluster().nodeUrls(), history, REQUEST_TIMEOUT);
        RecordingClient.Result put = direct.perform(OpKind.PUT, COUNTER, "0", Map.of("wait", "applied"), 20,
                Duration.ofMillis(500));
        if (!put.ok()) {
            throw new IllegalStateException("cannot set up " + COUNTER + ": " + put.detail());
        }

        List<FaultyProxy> proxies = new ArrayList<>();
        Counts counts = new Counts();
        long seed = ctx.random().nextLong();
        try {
            List<String> proxyUrls = new ArrayList<>();
            for (String url : ctx.cluster().nodeUrls()) {
                URI node = URI.create(url);
                FaultyProxy proxy = FaultyProxy.start(node.getHost(), node.getPort(),
                        new FaultyProxy.Faults(0.1, 0.1, 0.2, Duration.ofMillis(300), ctx.random().nextLong()), 32);
                proxies.add(proxy);
                proxyUrls.add("http://127.0.0.1:" + proxy.port());
            }
            faults.record("proxies in front of every node: drop 10% of connections before forwarding, 10% of"
                    + " replies after forwarding, delay 20% by up to 300 ms");
            // When the clients append and increment through them
            int steps = runClients(ctx, history, proxyUrls, 3, load, (client, step) -> step(client, step, seed, counts));
            report.note(steps + " client steps in " + load.toSeconds() + " s");
        } finally {
            for (FaultyProxy proxy : proxies) {
                FaultyProxy.Counts c = proxy.counts();
                faults.record("proxy " + proxy.port() + ": " + c.accepted() + " connections, " + c.droppedBeforeForward()
                        + " dropped before forwarding, " + c.droppedReplies() + " replies dropped, " + c.delayed()
                        + " delayed");
                proxy.close();
            }
        }

        // Then every effect happened once
        Map<String, String> finals = finalValues(ctx, history, List.of(LIST, COUNTER), report);
        checkList(finals.get(LIST), counts, report);
        checkCounter(finals.get(COUNTER), counts, report);
        checkHistory(ctx, history, finals, report);
        report.note(outcomes(history));
    }

    /** What the clients learned, for the exactly-once checks. */
    private static final class Counts {
        final Map<String, OpOutcome> elements = new ConcurrentHashMap<>(); // element -> outcome
        final Map<Integer, List<String>> issued = new ConcurrentHashMap<>(); // process -> its elements in order
        final AtomicInteger ackedIncrements = new AtomicInteger();
        final AtomicInteger unknownIncrements = new AtomicInteger();
        final AtomicInteger conflicts = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
    }

    private static void step(RecordingClient client, int step, long seed, Counts counts) {
        Random random = new Random(seed * 31 + client.process() * 1_000_003L + step);
        if (random.nextBoolean()) {
            String element = "p" + client.process() + "." + step;
            counts.issued.computeIfAbsent(client.process(), p -> new ArrayList<>()).add(element);
            RecordingClient.Result append = client.perform(OpKind.APPEND, LIST, AppendedElements.wrap(element), Map.of(),
                    WRITE_ATTEMPTS, RETRY_PAUSE);
            counts.elements.put(element, append.outcome());
            counts.retries.addAndGet(append.attempts() - 1);
            return;
        }
        RecordingClient.Result read = client.perform(OpKind.GET, COUNTER, null, Map.of(), WRITE_ATTEMPTS, RETRY_PAUSE);
        if (!read.ok()) {
            return;
        }
        if (read.value() == null) {
            throw new IllegalStateException(COUNTER + " read as absent by process " + client.process()
                    + " although it was written before the load: " + read.detail());
        }
        long next = Long.parseLong(read.value()) + 1;
        RecordingClient.Result cas = client.perform(OpKind.PUT, COUNTER, Long.toString(next),
                Map.of("if-version", Long.toString(read.version())), WRITE_ATTEMPTS, RETRY_PAUSE);
        counts.retries.addAndGet(cas.attempts() - 1);
        switch (cas.outcome()) {
            case OK -> counts.ackedIncrements.incrementAndGet();
            case UNKNOWN -> counts.unknownIncrements.incrementAndGet();
            case FAIL -> counts.conflicts.incrementAndGet();
        }
    }

    private static void checkList(String list, Counts counts, ScenarioReport report) {
        List<String> elements = AppendedElements.parse(list);
        Map<String, Integer> seen = new HashMap<>();
        elements.forEach(e -> seen.merge(e, 1, Integer::sum));
        long acked = counts.elements.values().stream().filter(o -> o == OpOutcome.OK).count();
        long unknown = counts.elements.values().stream().filter(o -> o == OpOutcome.UNKNOWN).count();
        report.note(LIST + ": " + elements.size() + " elements; " + acked + " appends acked, " + unknown
                + " of unknown outcome, " + counts.retries.get() + " retries by id in all");
        seen.forEach((element, times) -> {
            OpOutcome outcome = counts.elements.get(element);
            if (outcome == null) {
                report.finding(LIST + " holds " + element + ", which no client appended (or it was still in flight)");
            } else if (times > 1) {
                report.finding(LIST + " holds " + element + " " + times + " times (appended with retries by one id)");
            } else if (outcome == OpOutcome.FAIL) {
                report.finding(LIST + " holds " + element + ", whose append failed definitely");
            }
        });
        counts.elements.forEach((element, outcome) -> {
            if (outcome == OpOutcome.OK && !seen.containsKey(element)) {
                report.finding(LIST + " lacks " + element + ", whose append was acked");
            }
        });
        // each client's elements in the order it appended them (one at a time, each to its end)
        for (Map.Entry<Integer, List<String>> e : counts.issued.entrySet()) {
            Set<String> mine = new HashSet<>(e.getValue());
            List<String> inList = elements.stream().filter(mine::contains).toList();
            List<String> expectedOrder = e.getValue().stream().filter(inList::contains).toList();
            if (!inList.equals(expectedOrder)) {
                report.finding(LIST + ": process " + e.getKey() + "'s elements out of order: " + inList);
            }
        }
    }

    private static void checkCounter(String value, Counts counts, ScenarioReport report) {
        if (value == null) {
            report.finding(COUNTER + " is absent at the end");
            return;
        }
        long counter = Long.parseLong(value);
        int acked = counts.ackedIncrements.get();
        int unknown = counts.unknownIncrements.get();
        report.note(COUNTER + " = " + counter + ": " + acked + " increments acked, " + unknown + " of unknown outcome, "
                + counts.conflicts.get() + " refused (version changed)");
        if (counter < acked || counter > acked + unknown) {
            report.finding(COUNTER + " = " + counter + ", expected between " + acked + " (acked increments) and "
                    + (acked + unknown) + " (plus those of unknown outcome)");
        }
    }
}
