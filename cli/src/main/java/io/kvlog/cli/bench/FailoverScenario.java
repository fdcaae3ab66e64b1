package io.kvlog.cli.bench;

import io.kvlog.cli.LocalNodes;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Fault scenarios against a local cluster (processes it can signal), each bounded in time and
 * each putting the cluster back as it found it (the stopped process is started again):
 * <ul>
 *   <li>{@link #node}: the last running node is SIGKILLed (or stopped cleanly with SIGTERM) while
 *   clients read through every node, retrying the next one when theirs does not answer; the
 *   figure is the longest gap between two successful reads across the cluster;</li>
 *   <li>{@link #broker}: one writer per partition writes sequentially ({@code wait=log}); a broker
 *   leading partitions is SIGKILLed; the figure is the longest gap between two successful
 *   writes of one partition that ends after the kill (a partition with no success after the
 *   kill counts until the end of the window, reported as a lower bound).</li>
 * </ul>
 */
public final class FailoverScenario {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final LocalKafkaCluster cluster;
    private final LocalNodes nodes;
    private final Consumer<String> progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();

    public FailoverScenario(LocalKafkaCluster cluster, Consumer<String> progress) {
        this.cluster = cluster;
        this.nodes = new LocalNodes(cluster);
        this.progress = progress;
    }

    /**
     * A node's rebuild: the last running node is stopped, its copy wiped and it is started
     * again; it replays all of kv.events through its global store. The figure is the rate the
     * node itself reports for the replay ({@code /v1/node} {@code restore}: events over the
     * replay's time); the details add the wall time from start to ready, JVM start included.
     */
    public ScenarioResult rebuild(Duration limit) throws InterruptedException {
        List<NodeState> running = nodes.nodes().stream().filter(n -> nodes.isRunning(n.id())).toList();
        if (running.isEmpty()) {
            throw new IllegalStateException("rebuild needs a running node");
        }
        NodeState victim = running.get(running.size() - 1);
        progress.accept("rebuild: stopping node " + victim.id() + ", wiping its copy, replaying the log");
        nodes.stop(victim.id());
        nodes.wipeState(victim.id());
        long start = System.nanoTime();
        nodes.start(victim.id());
        nodes.awaitReady(List.of(victim.id()), limit, progress);
        double wall = (System.nanoTime() - start) / 1e9;
        Answer node = request("GET", victim.url() + "/v1/node", null);
        if (!node.ok()) {
            throw new IllegalStateException("rebuild: node " + victim.id() + " is ready but /v1/node answered "
                    + node.outcome());
        }
        com.fasterxml.jackson.databind.JsonNode restore;
        try {
            restore = new com.fasterxml.jackson.databind.ObjectMapper().readTree(node.body()).path("restore");
        } catch (IOException e) {
            throw new IllegalStateException("rebuild: unreadable /v1/node: " + node.body(), e);
        }
        long events = restore.path("events").asLong();
        double rate = restore.path("eventsPerSecond").asDouble();
        progress.accept(String.format("rebuild: node %d replayed %d events at %.0f events/s; ready %.1f s after start",
                victim.id(), events, rate, wall));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("node", victim.id());
        details.put("events", events);
        details.put("replayMillis", restore.path("elapsedMs").asLong());
        details.put("startToReadySeconds", wall);
        return new ScenarioResult("rebuild", "events/s", rate, details);
    }

    /** How many reader threads run during a node failover; each goes round the nodes. */
    private static final int READERS = 4;
    /** Reads before the fault, so the gap that spans it is measured from steady state. */
    private static final Duration BEFORE_FAULT = Duration.ofSeconds(3);

    /**
     * Kills ({@code sigkill}) or stops a node while {@value #READERS} clients read a key of every
     * partition linearizably, each going round all the nodes and retrying the next node when one
     * does not answer (as the {@code kv} client does); the figure is the longest time between two
     * successful reads across the cluster in the {@code limit} after the fault. Every node holds a
     * full copy, so this is what one node's loss costs clients: ideally one retry.
     */
    public ScenarioResult node(boolean sigkill, Duration limit) throws InterruptedException {
        String scenario = sigkill ? "failover-node-kill" : "failover-node-stop";
        List<NodeState> running = nodes.nodes().stream().filter(n -> nodes.isRunning(n.id())).toList();
        if (running.size() < 2) {
            throw new IllegalStateException(scenario + " needs at least 2 running nodes, found " + running.size());
        }
        NodeState victim = running.get(running.size() - 1);
        List<String> urls = running.stream().map(NodeState::url).toList();
        int partitions = cluster.state().partitions();
        List<Integer> all = range(partitions);
        List<String> keys = new ArrayList<>(keysFor(all, partitions).values());
        for (String key : keys) {
            Answer put = null;
            for (int attempt = 0; attempt < 30 && (put == null || !put.ok()); attempt++) {
                if (put != null) {
                    Thread.sleep(1000);
                }
                put = request("PUT", urls.get(0) + "/v1/kv/" + key + "?wait=log&id=" + scenario + "-" + key, "failover");
            }
            if (!put.ok()) {
                throw new IllegalStateException(scenario + ": cannot write " + key + " before the fault (30 attempts): "
                        + put.outcome() + " " + put.body());
            }
        }
        java.util.concurrent.ConcurrentLinkedQueue<Long> successes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();
        long start = System.nanoTime();
        long[] fault = {Long.MAX_VALUE};
        long end = start + BEFORE_FAULT.toNanos() + limit.toNanos();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            int first = r;
            Thread reader = new Thread(() -> {
                int node = first % urls.size();
                for (int i = first; System.nanoTime() < end; i++) {
                    String key = keys.get(i % keys.size());
                    // one read: this node, and on failure each other node once, as a retrying client does
                    for (int attempt = 0; attempt < urls.size(); attempt++) {
                        Answer get = request("GET", urls.get(node) + "/v1/kv/" + key + "?consistency=linearizable", null);
                        if (get.ok()) {
                            successes.add(System.nanoTime());
                            break;
                        }
                        failures.merge(get.outcome(), 1, Integer::sum);
                        retries.incrementAndGet();
                        node = (node + 1) % urls.size();
                    }
                    node = (node + 1) % urls.size();
                }
            }, scenario + "-reader-" + r);
            reader.setDaemon(true);
            reader.start();
            readers.add(reader);
        }
        Thread.sleep(BEFORE_FAULT.toMillis());
        progress.accept(String.format("%s: %s node %d while %d clients read every partition through all %d nodes",
                scenario, sigkill ? "SIGKILL" : "stopping", victim.id(), READERS, urls.size()));
        fault[0] = System.nanoTime();
        boolean signalled = sigkill ? nodes.kill(victim.id()) : nodes.stop(victim.id());
        double exitSeconds = (System.nanoTime() - fault[0]) / 1e9;
        if (!signalled) {
            throw new IllegalStateException(scenario + ": node " + victim.id() + " was not running");
        }
        for (Thread reader : readers) {
            reader.join(limit.toMillis() + 10_000);
        }
        List<Long> times = new ArrayList<>(successes);
        java.util.Collections.sort(times);
        double longest = 0;
        long previous = start;
        long afterFault = 0;
        for (long t : times) {
            // gaps that end after the fault: those are the fault's
            if (t > fault[0]) {
                longest = Math.max(longest, (t - previous) / 1e9);
                afterFault++;
            }
            previous = t;
        }
        boolean noneAfter = afterFault == 0;
        if (noneAfter) {
            longest = (end - fault[0]) / 1e9;
        }
        progress.accept(String.format("%s: longest gap between successful reads %.3f s (%d reads after the fault,"
                        + " %d retries); restarting node %d", scenario, longest, afterFault, retries.get(), victim.id()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("node", victim.id());
        details.put("readers", READERS);
        details.put("readsAfterFault", afterFault);
        details.put("readsPerSecondAfterFault", afterFault / (limit.toNanos() / 1e9));
        details.put("retries", retries.get());
        details.put("failedAttempts", new TreeMap<>(failures));
        details.put("processExitSeconds", exitSeconds);
        details.put("windowSeconds", limit.toSeconds());
        if (noneAfter) {
            details.put("problem", "no read succeeded in the " + limit.toSeconds() + " s after the fault (lower bound)");
        }
        nodes.start(victim.id());
        nodes.awaitReady(List.of(victim.id()), Duration.ofSeconds(180), progress);
        return new ScenarioResult(scenario, "s", longest, details);
    }

    /** SIGKILLs the broker leading partition 0 while writers run; measures the longest write gap. */
    public ScenarioResult broker(Duration before, Duration after) throws InterruptedException {
        String scenario = "failover-broker-kill";
        List<NodeState> running = nodes.nodes().stream().filter(n -> nodes.isRunning(n.id())).toList();
        if (running.isEmpty() || cluster.state().brokers().size() < 3) {
            throw new IllegalStateException(scenario + " needs 3 brokers and a running node");
        }
        int partitions = cluster.state().partitions();
        int victim = leaderOfPartitionZero();
        Map<Integer, String> keys = keysFor(range(partitions), partitions);
        Map<Integer, List<Long>> successes = new ConcurrentHashMap<>();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long stop = start + before.toNanos() + after.toNanos();
        List<Thread> writers = new ArrayList<>();
        for (Map.Entry<Integer, String> e : keys.entrySet()) {
            List<Long> times = new CopyOnWriteArrayList<>();
            successes.put(e.getKey(), times);
            String url = running.get(e.getKey() % running.size()).url() + "/v1/kv/" + e.getValue() + "?wait=log";
            Thread writer = new Thread(() -> {
                while (System.nanoTime() < stop) {
                    Answer put = request("PUT", url, "x");
                    if (put.ok()) {
                        times.add(System.nanoTime());
                    } else {
                        failures.merge(put.outcome(), 1, Integer::sum);
                    }
                }
            }, "kv-bench-failover-writer-" + e.getKey());
            writers.add(writer);
            writer.start();
        }
        Thread.sleep(before.toMillis());
        progress.accept(scenario + ": SIGKILL broker " + victim + " (leader of partition 0) under writes to "
                + partitions + " partitions");
        long kill = System.nanoTime();
        if (!cluster.killBroker(victim)) {
            throw new IllegalStateException(scenario + ": broker " + victim + " was not running");
        }
        for (Thread writer : writers) {
            writer.join(after.toMillis() + REQUEST_TIMEOUT.toMillis() * 3);
        }
        long end = System.nanoTime();
        Map<Integer, Double> gaps = new TreeMap<>();
        boolean lowerBound = false;
        for (Map.Entry<Integer, List<Long>> e : successes.entrySet()) {
            long previous = start;
            double worst = 0;
            boolean afterKill = false;
            for (long t : e.getValue()) {
                if (t > kill) {
                    worst = Math.max(worst, (t - Math.max(previous, start)) / 1e9);
                    afterKill = true;
                }
                previous = t;
            }
            if (!afterKill) {
                worst = (end - previous) / 1e9;
                lowerBound = true;
            }
            gaps.put(e.getKey(), worst);
        }
        double seconds = gaps.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        progress.accept(String.format("%s: longest write gap %.2f s; restarting broker %d", scenario, seconds, victim));
        cluster.startBroker(victim, Duration.ofSeconds(120), progress);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("broker", victim);
        details.put("gapSecondsByPartition", gaps);
        details.put("medianGapSeconds", gaps.values().stream().sorted().skip(gaps.size() / 2).findFirst().orElse(0.0));
        details.put("writesBeforeAndAfter", successes.values().stream().mapToInt(List::size).sum());
        details.put("failedWrites", failures);
        details.put("lowerBound", lowerBound);
        return new ScenarioResult(scenario, "s", seconds, details);
    }

    private int leaderOfPartitionZero() throws InterruptedException {
        try (Admin admin = cluster.admin()) {
            TopicDescription events = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames()
                    .get(10, java.util.concurrent.TimeUnit.SECONDS).get(Topics.EVENTS);
            TopicPartitionInfo zero = events.partitions().get(0);
            if (zero.leader() == null) {
                throw new IllegalStateException("partition 0 of " + Topics.EVENTS + " has no leader");
            }
            return zero.leader().id();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot describe " + Topics.EVENTS + ": " + e.getMessage(), e);
        }
    }

    /** One bench key per partition in {@code wanted}. */
    static Map<Integer, String> keysFor(List<Integer> wanted, int partitions) {
        Map<Integer, String> keys = new TreeMap<>();
        for (int i = 0; keys.size() < wanted.size(); i++) {
            String key = "failover-" + i;
            int p = Topics.partitionOf(key, partitions);
            if (wanted.contains(p)) {
                keys.putIfAbsent(p, key);
            }
        }
        return keys;
    }

    private static List<Integer> range(int n) {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        return all;
    }

    /** A reply (status, body) or why there was none; {@link #outcome} names it for the failure counts. */
    record Answer(int status, String body, String error) {
        boolean ok() {
            return status == 200;
        }

        String outcome() {
            return error != null ? error : "status " + status;
        }
    }

    /** One request; a transport failure (timeout, refused connection) is an answer with its error's name. */
    private Answer request(String method, String url, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> reply = http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(reply.statusCode(), reply.body(), null);
        } catch (IOException e) {
            return new Answer(-1, null, Recording.kindOf(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, null, "interrupted");
        }
    }
}
