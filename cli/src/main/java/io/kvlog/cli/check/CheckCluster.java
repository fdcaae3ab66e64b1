package io.kvlog.cli.check;

import io.kvlog.cli.LocalNodes;
import io.kvlog.kafka.EventTopic;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;

/**
 * The throwaway cluster {@code kv check} runs its scenarios on: 3 brokers and 3 nodes as separate
 * processes in a data directory of its own (never an existing cluster's). {@link #close()} stops
 * every broker and node it started, by their recorded pids.
 */
public final class CheckCluster implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final LocalKafkaCluster kafka;
    private final LocalNodes nodes;
    private final Consumer<String> progress;

    private CheckCluster(LocalKafkaCluster kafka, Consumer<String> progress) {
        this.kafka = kafka;
        this.nodes = new LocalNodes(kafka);
        this.progress = progress;
    }

    /** Creates a cluster in {@code dataDir} (which must hold none), starts it and waits until every node is ready. */
    public static CheckCluster start(Path dataDir, int partitions, int nodeCount, Consumer<String> progress) {
        if (LocalKafkaCluster.exists(dataDir)) {
            throw new IllegalArgumentException("data directory " + dataDir + " holds a cluster already; kv check"
                    + " only runs on a cluster of its own (pass an empty or new --data directory)");
        }
        LocalKafkaCluster kafka = LocalKafkaCluster.create(
                LocalKafkaCluster.Spec.defaults(dataDir).withPartitions(partitions), progress);
        CheckCluster cluster = new CheckCluster(kafka, progress);
        try {
            kafka.startAll(READY_TIMEOUT, progress);
            try (Admin admin = kafka.admin()) {
                EventTopic.ensure(admin, EventTopic.Expected.forCluster(partitions, kafka.state().brokers().size()));
            }
            for (int i = 0; i < nodeCount; i++) {
                int id = cluster.nodes.add(0).id();
                progress.accept("starting node " + id + " (pid " + cluster.nodes.start(id) + ")");
            }
            cluster.awaitNodesReady();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public LocalKafkaCluster kafka() {
        return kafka;
    }

    public LocalNodes nodes() {
        return nodes;
    }

    public int partitions() {
        return kafka.state().partitions();
    }

    public List<Integer> brokerIds() {
        return kafka.state().brokers().stream().map(b -> b.id()).toList();
    }

    public List<Integer> nodeIds() {
        return nodes.nodes().stream().map(NodeState::id).toList();
    }

    /** Every node's URL, in id order. */
    public List<String> nodeUrls() {
        return nodes.nodes().stream().map(NodeState::url).toList();
    }

    public String nodeUrl(int id) {
        return nodes.node(id).url();
    }

    /** SIGKILL; returns the pid killed, 0 if the broker was not running. */
    public long killBroker(int id) {
        long pid = kafka.state().broker(id).orElseThrow().pid();
        return kafka.killBroker(id) ? pid : 0;
    }

    /** Starts the broker and waits until it has rejoined. */
    public void startBroker(int id) {
        kafka.startBroker(id, READY_TIMEOUT, progress);
    }

    /** SIGKILL; returns the pid killed, 0 if the node was not running. */
    public long killNode(int id) {
        long pid = nodes.node(id).pid();
        return nodes.kill(id) ? pid : 0;
    }

    /** Starts the node's process (if not running) without waiting for it to be ready; returns its pid. */
    public long startNode(int id) {
        return nodes.start(id);
    }

    /** Adds a node with the next free id and starts it; returns its id. */
    public int addNode() {
        int id = nodes.add(0).id();
        progress.accept("starting node " + id + " (pid " + nodes.start(id) + ")");
        return id;
    }

    /** Starts every broker and node that is not running and waits until all are ready. */
    public void heal() {
        kafka.startAll(READY_TIMEOUT, progress);
        for (int id : nodeIds()) {
            if (!nodes.isRunning(id)) {
                progress.accept("starting node " + id + " (pid " + nodes.start(id) + ")");
            }
        }
        awaitNodesReady();
    }

    public void awaitNodesReady() {
        nodes.awaitReady(nodeIds(), READY_TIMEOUT, progress);
    }

    /** Stops every node, then every broker (SIGTERM, SIGKILL after the grace time), by recorded pid. */
    @Override
    public void close() {
        List<Integer> stoppedNodes = nodes.stopAll();
        List<Integer> stoppedBrokers = kafka.stopAll();
        progress.accept("stopped nodes " + stoppedNodes + " and brokers " + stoppedBrokers);
    }
}
