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
 *   <li>{@link #node}: the last running node is SIGKILLed (or stopped cleanly with SIGTERM); the
 *   figure is the time from the signal until a linearizable read of a key in <em>every</em>
 *   partition has succeeded through the first node (every node holds a full copy, so this measures
 *   how much one node's loss disturbs another, ideally nothing);</li>
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

    /** Kills ({@code sigkill}) or stops a node and measures read failover; bounded by {@code limit}. */
    public ScenarioResult node(boolean sigkill, Duration limit) throws InterruptedException {
        String scenario = sigkill ? "failover-node-kill" : "failover-node-stop";
        List<NodeState> running = nodes.nodes().stream().filter(n -> nodes.isRunning(n.id())).toList();
        if (running.size() < 2) {
            throw new IllegalStateException(scenario + " needs at least 2 running nodes, found " + running.size());
        }
        // every node holds a full copy: the victim is the last running node, the reads go through the first
        NodeState survivor = running.get(0);
        NodeState victim = running.get(running.size() - 1);
        int partitions = cluster.state().partitions();
        List<Integer> all = range(partitions);
        Map<Integer, String> keys = keysFor(all, partitions);
        for (String key : keys.values()) {
            // in the log is enough for a linearizable read to see it; a node that just rejoined may make the
            // first attempts miss the writer's deadline, and a retry with the same id is safe
            Answer put = null;
            for (int attempt = 0; attempt < 30 && (put == null || !put.ok()); attempt++) {
                if (put != null) {
                    Thread.sleep(1000);
                }
                put = request("PUT", survivor.url() + "/v1/kv/" + key + "?wait=log&id=" + scenario + "-" + key, "failover");
            }
            if (!put.ok()) {
                throw new IllegalStateException(scenario + ": cannot write " + key + " before the fault (30 attempts): "
                        + put.outcome() + " " + put.body());
            }
        }
        progress.accept(String.format("%s: %s node %d; reading a key of each of %d partitions through node %d", scenario,
                sigkill ? "SIGKILL" : "stopping", victim.id(), partitions, survivor.id()));
        long fault = System.nanoTime();
        boolean signalled = sigkill ? nodes.kill(victim.id()) : nodes.stop(victim.id());
        double exitSeconds = (System.nanoTime() - fault) / 1e9;
        if (!signalled) {
            throw new IllegalStateException(scenario + ": node " + victim.id() + " was not running");
        }
        Map<Integer, Double> recovered = new TreeMap<>();
        Map<String, Integer> failures = new TreeMap<>();
        long deadline = fault + limit.toNanos();
        while (recovered.size() < keys.size() && System.nanoTime() < deadline) {
            for (Map.Entry<Integer, String> e : keys.entrySet()) {
                if (recovered.containsKey(e.getKey())) {
                    continue;
                }
                Answer get = request("GET", survivor.url() + "/v1/kv/" + e.getValue() + "?consistency=linearizable", null);
                if (get.ok()) {
                    recovered.put(e.getKey(), (System.nanoTime() - fault) / 1e9);
                } else {
                    failures.merge(get.outcome(), 1, Integer::sum);
                }
            }
            Thread.sleep(50);
        }
        double seconds = recovered.size() == keys.size()
                ? recovered.values().stream().mapToDouble(Double::doubleValue).max().orElse(0) : Double.NaN;
        progress.accept(String.format("%s: reads of all %d partitions back after %.2f s; restarting node %d",
                scenario, keys.size(), seconds, victim.id()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("node", victim.id());
        details.put("partitions", all);
        details.put("secondsByPartition", recovered);
        details.put("failedReads", failures);
        details.put("processExitSeconds", exitSeconds);
        details.put("limitSeconds", limit.toSeconds());
        if (Double.isNaN(seconds)) {
            details.put("problem", "reads of partitions " + all.stream().filter(p -> !recovered.containsKey(p)).toList()
                    + " did not succeed within " + limit.toSeconds() + " s");
        }
        nodes.start(victim.id());
        nodes.awaitReady(List.of(victim.id()), Duration.ofSeconds(180), progress);
        return new ScenarioResult(scenario, "s", seconds, details);
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
