package io.kvlog.cli.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.client.Consistency;
import io.kvlog.client.KvClient;
import io.kvlog.client.ScanPage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 5: after thousands of writes a new node joins; once ready it serves every key (all of
 * them in a scan through it; a sample of 400, or all in the long version, by linearizable reads
 * through it, recorded and checked), and once the writes have stopped every node's copy of every
 * partition (each node holds all of them), the new node's included, has the same digest at the
 * same position.
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
        int clients = 12;
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
        runUntilDone(history, cluster.nodeUrls(), clients, client -> {
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

        // Then it serves every key: all of them in a scan through it, and a sample (long version: all) by
        // linearizable reads through it, recorded in the history
        Map<String, String> scanned = scan(cluster.nodeUrl(joined), "s5-k");
        written.forEach((key, value) -> {
            if (!value.equals(scanned.get(key))) {
                report.finding("a scan through node " + joined + " gives " + key + " = " + scanned.get(key)
                        + ", acked as " + value);
            }
        });
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            keys.add("s5-k" + i);
        }
        java.util.Collections.shuffle(keys, ctx.random());
        List<String> sample = keys.subList(0, ctx.settings().pick(Math.min(400, writes), writes));
        AtomicInteger nextRead = new AtomicInteger();
        Map<String, String> unread = new ConcurrentHashMap<>(); // key -> why
        runUntilDone(history, List.of(cluster.nodeUrl(joined)), clients, client -> {
            for (int i = nextRead.getAndIncrement(); i < sample.size(); i = nextRead.getAndIncrement()) {
                RecordingClient.Result get = client.perform(OpKind.GET, sample.get(i), null, Map.of(), 20,
                        Duration.ofMillis(500));
                if (!get.ok()) {
                    unread.put(sample.get(i), get.detail());
                }
            }
        });
        report.note(scanned.size() + " keys scanned and " + (sample.size() - unread.size())
                + " read linearizably through node " + joined);
        if (!unread.isEmpty()) {
            var first = unread.entrySet().iterator().next();
            report.finding(unread.size() + " keys could not be read through node " + joined + ", e.g. "
                    + first.getKey() + ": " + first.getValue());
        }
        // the scan ran after every write had returned: its values are the final state
        Map<String, String> finalValues = new TreeMap<>();
        for (String key : keys) {
            finalValues.put(key, scanned.get(key));
        }
        // And every copy of every partition has the same digest at the same position
        compareDigests(ctx, joined, report);
        checkHistory(ctx, history, finalValues, report);
        report.note(outcomes(history));
    }

    /** Runs {@code clients} clients until each body returns. */
    private static void runUntilDone(History history, List<String> urls, int clients,
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

    /** Every key with {@code prefix} and its value, by a linearizable scan through {@code url} (the client pinned to it). */
    private static Map<String, String> scan(String url, String prefix) throws InterruptedException {
        Map<String, String> values = new TreeMap<>();
        try (KvClient client = KvClient.builder(url).discover(false).requestTimeout(Duration.ofSeconds(30)).build()) {
            String cursor = null;
            for (int page = 0; page < 10_000; page++) {
                ScanPage reply = null;
                for (int attempt = 1; reply == null; attempt++) {
                    try {
                        reply = client.scanPage(prefix, 1000, cursor, Consistency.LINEARIZABLE);
                    } catch (io.kvlog.client.KvException e) {
                        boolean busy = e.status() == 503 || e instanceof io.kvlog.client.NoNodeAnsweredException;
                        if (!busy || attempt == 20) {
                            throw new IllegalStateException("scan through " + url + ": " + e.getMessage(), e);
                        }
                        Thread.sleep(500); // a scan answers 503 while a partition has no caught-up copy
                    }
                }
                reply.items().forEach(item -> values.put(item.key(), item.value()));
                if (reply.cursor().isEmpty()) {
                    return values;
                }
                cursor = reply.cursor().get();
            }
        }
        throw new IllegalStateException("scan through " + url + " did not end after 10000 pages");
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
            if (digests.containsKey(joined) && !digests.get(joined).startsWith("?")) {
                joinedCopies++;
            }
            if (digests.size() < cluster.nodeIds().size() || digests.values().stream().anyMatch(d -> d.startsWith("?"))) {
                report.finding("partition " + p + ": not every node answers a digest: " + digests);
            } else if (digests.values().stream().distinct().count() != 1) {
                report.finding("partition " + p + ": copies differ (node=position/sha256): " + digests);
            }
        }
        report.note("node " + joined + " answered digests of " + joinedCopies + " of " + cluster.partitions()
                + " partitions; every copy compared at equal positions");
        if (joinedCopies != cluster.partitions()) {
            report.finding("node " + joined + " does not hold every partition after it is ready");
        }
    }

    /** node -> "position/sha256" of each node's copy of the partition; "?..." if it does not answer one. */
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
            } else {
                digests.put(id, "?" + reply.get().statusCode() + " " + reply.get().body());
            }
        }
        return digests;
    }
}
