package io.kvlog.cli.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 5: after thousands of writes a new node joins; once ready it serves every key (read
 * through it, linearizably), and once the writes have stopped each copy of each partition, the
 * new node's included, has the same digest at the same position.
 */
final class LateReplicaScenario extends HistoryScenario {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(60);

    @Override
    public int number() {
        return 5;
    }

    @Override
    public String name() {
        return "late replica";
    }

    @Override
    public void run(ScenarioContext ctx, ScenarioReport report) throws Exception {
        int writes = ctx.settings().pick(2000, 5000);
        int clients = 6;
        History history = new History();
        report.history(history);
        FaultLog faults = new FaultLog(ctx.progress());
        report.faults(faults);
        CheckCluster cluster = ctx.cluster();

        // Given thousands of keys written
        ctx.progress().accept("  writing " + writes + " keys");
        AtomicInteger next = new AtomicInteger();
        Map<String, String> written = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        runUntilDone(ctx, history, cluster.nodeUrls(), clients, client -> {
            for (int i = next.getAndIncrement(); i < writes; i = next.getAndIncrement()) {
                String key = "s5-k" + i;
                RecordingClient.Result put = client.perform(OpKind.PUT, key, "v" + i, Map.of(), 10, Duration.ofMillis(300));
                if (put.ok()) {
                    written.put(key, "v" + i);
                }
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        report.note(String.format("%d writes (%d acked) in %.1f s (%.0f/s)", writes, written.size(), seconds,
                writes / seconds));

        // When a node joins
        int joined = cluster.addNode();
        faults.record("node " + joined + " joins after " + writes + " writes");
        long joinStart = System.nanoTime();
        cluster.awaitNodesReady();
        report.note(String.format("node %d ready %.1f s after it started", joined, (System.nanoTime() - joinStart) / 1e9));

        // Then it serves every key
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            keys.add("s5-k" + i);
        }
        AtomicInteger nextRead = new AtomicInteger();
        Map<String, String> finals = new ConcurrentHashMap<>();
        Map<String, String> unread = new ConcurrentHashMap<>(); // key -> why
        runUntilDone(ctx, history, List.of(cluster.nodeUrl(joined)), clients, client -> {
            for (int i = nextRead.getAndIncrement(); i < writes; i = nextRead.getAndIncrement()) {
                RecordingClient.Result get = client.perform(OpKind.GET, keys.get(i), null, Map.of(), 20,
                        Duration.ofMillis(500));
                if (get.ok()) {
                    if (get.value() != null) {
                        finals.put(keys.get(i), get.value());
                    }
                } else {
                    unread.put(keys.get(i), get.detail());
                }
            }
        });
        if (!unread.isEmpty()) {
            var first = unread.entrySet().iterator().next();
            report.finding(unread.size() + " keys could not be read through node " + joined + ", e.g. "
                    + first.getKey() + ": " + first.getValue());
        }
        Map<String, String> finalValues = new TreeMap<>();
        for (String key : keys) {
            if (!unread.containsKey(key)) {
                finalValues.put(key, finals.get(key));
            }
        }
        // And every copy of every partition has the same digest at the same position
        compareDigests(ctx, joined, report);
        checkHistory(ctx, history, finalValues, report);
        report.note(outcomes(history));
    }

    /** Runs {@code clients} clients until each body returns. */
    private static void runUntilDone(ScenarioContext ctx, History history, List<String> urls, int clients,
                                     ClientBody body) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int p = 1; p <= clients; p++) {
            RecordingClient client = new RecordingClient(p, urls, history, REQUEST_TIMEOUT);
            Thread t = new Thread(() -> {
                try {
                    body.run(client);
                } catch (Exception | AssertionError e) {
                    failures.add(e instanceof Exception ex ? ex : new IllegalStateException(e));
                }
            }, "kv-check-client-" + p);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    private interface ClientBody {
        void run(RecordingClient client) throws Exception;
    }

    private static void compareDigests(ScenarioContext ctx, int joined, ScenarioReport report) throws InterruptedException {
        CheckCluster cluster = ctx.cluster();
        int joinedCopies = 0;
        for (int p = 0; p < cluster.partitions(); p++) {
            long deadline = System.nanoTime() + CONVERGE_TIMEOUT.toNanos();
            Map<Integer, String> digests;
            while (true) {
                digests = digests(cluster, p);
                long positions = digests.values().stream().map(d -> d.split("/")[0]).distinct().count();
                boolean allAnswered = digests.values().stream().noneMatch(d -> d.startsWith("?"));
                if ((positions == 1 && allAnswered) || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(500);
            }
            if (digests.containsKey(joined)) {
                joinedCopies++;
            }
            if (digests.size() < 2) {
                report.finding("partition " + p + ": fewer than 2 copies answer a digest: " + digests);
            } else if (digests.values().stream().distinct().count() != 1) {
                report.finding("partition " + p + ": copies differ (node=position/sha256): " + digests);
            }
        }
        report.note("node " + joined + " holds " + joinedCopies + " of " + cluster.partitions()
                + " partitions; every copy compared at equal positions");
        if (joinedCopies == 0) {
            report.finding("node " + joined + " holds no copy of any partition after it is ready");
        }
    }

    /** node -> "position/sha256" of each node holding a copy of the partition; "?..." if it does not answer. */
    private static Map<Integer, String> digests(CheckCluster cluster, int partition) {
        Map<Integer, String> digests = new TreeMap<>();
        for (int id : cluster.nodeIds()) {
            var reply = cluster.nodes().get(cluster.nodeUrl(id) + "/v1/admin/digest?partition=" + partition);
            if (reply.isEmpty()) {
                digests.put(id, "?no answer");
            } else if (reply.get().statusCode() == 200) {
                try {
                    JsonNode body = JSON.readTree(reply.get().body());
                    digests.put(id, body.path("offset").asText() + "/" + body.path("sha256").asText());
                } catch (IOException e) {
                    digests.put(id, "?unreadable " + reply.get().body());
                }
            } else if (reply.get().statusCode() != 404) {
                digests.put(id, "?" + reply.get().statusCode() + " " + reply.get().body());
            }
        }
        return digests;
    }
}
