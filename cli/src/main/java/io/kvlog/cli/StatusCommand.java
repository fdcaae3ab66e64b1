package io.kvlog.cli;

import io.kvlog.client.ClusterView;
import io.kvlog.client.KvClient;
import io.kvlog.kafka.KafkaSasl;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.LocalKafkaCluster.BrokerStatus;
import io.kvlog.protocol.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kv status}: the brokers, the nodes (which are live, per {@code GET /v1/cluster} of the
 * first running node that answers, and their lag), and the partitions of kv.events with their
 * leaders, in-sync replicas (from the brokers) and high watermarks (from that same reply).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the brokers, the nodes (live or not per GET /v1/cluster, lag behind the log),",
                "and the partitions of kv.events (leader, in-sync replicas, high watermark).",
                "Exit code 3 if no broker answers."})
final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    Kv kv;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    /** One partition of kv.events; {@code highWatermark} null when no node said it. */
    record PartitionStatus(int partition, Integer leader, List<Integer> replicas, List<Integer> isr, Long highWatermark) {
    }

    /**
     * One node: its process as the local cluster knows it (pid, state and ready null for a live node
     * the local cluster does not know), and what {@code GET /v1/cluster} says (live null when no node
     * answered it; lag and heartbeat null unless live).
     */
    record NodeRow(String id, String url, Long pid, String state, Boolean ready, Boolean live, Long lag,
            Long heartbeatAgeMs) {
    }

    @Override
    public Integer call() throws InterruptedException {
        Output out = kv.output();
        LocalKafkaCluster local = cluster.openCluster();
        List<BrokerStatus> brokers = local.brokers();
        List<PartitionStatus> partitions = null;
        String problem = null;
        if (brokers.stream().noneMatch(BrokerStatus::running)) {
            problem = "no broker is running; start the cluster with 'kv up'";
        } else {
            try (Admin admin = local.admin()) {
                partitions = describe(admin);
            } catch (ExecutionException | TimeoutException e) {
                problem = "cannot describe " + Topics.EVENTS + ": " + (e.getCause() != null ? e.getCause().getMessage() : e);
            }
        }
        List<LocalNodes.NodeStatus> localNodes = new LocalNodes(local).statuses();
        ClusterView view = null;
        String viewProblem;
        List<String> running = localNodes.stream().filter(LocalNodes.NodeStatus::running).map(LocalNodes.NodeStatus::url).toList();
        if (running.isEmpty()) {
            viewProblem = "no node is running";
        } else {
            try (KvClient client = KvClient.builder(running).discover(false).spread(false).notice(out::progress)
                    .token(LocalAuth.adminToken(local.dataDir())).build()) {
                view = client.cluster();
                viewProblem = null;
            } catch (io.kvlog.client.KvException | IllegalArgumentException e) {
                viewProblem = "GET /v1/cluster: " + e.getMessage();
            }
        }
        List<NodeRow> nodes = nodeRows(localNodes, view);
        if (partitions != null && view != null) {
            partitions = withHighWatermarks(partitions, view);
        }
        if (json) {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("dataDir", local.dataDir().toString());
            status.put("bootstrapServers", local.bootstrapServers());
            status.put("kafkaSasl", local.secured());
            status.put("brokers", brokers.stream().map(b -> Map.of("id", b.id(), "address", b.address(),
                    "pid", b.running() ? b.pid() : 0, "state", b.running() ? "running" : "stopped")).toList());
            status.put("nodes", nodes);
            status.put("liveNodesPer", view == null ? null : view.node());
            status.put("partitions", partitions);
            status.put("problem", problem);
            status.put("nodesProblem", viewProblem);
            out.json(status);
        } else {
            out.line("data dir: " + local.dataDir());
            out.line("bootstrap servers: " + local.bootstrapServers()
                    + (local.secured() ? " (SASL/PLAIN; client settings in " + local.dataDir().resolve(KafkaSasl.DIR) + ")" : ""));
            out.line("");
            List<List<String>> rows = new ArrayList<>();
            for (BrokerStatus b : brokers) {
                rows.add(List.of(Integer.toString(b.id()), b.address(), b.running() ? Long.toString(b.pid()) : "-",
                        b.running() ? "running" : "stopped"));
            }
            out.table(List.of("BROKER", "ADDRESS", "PID", "STATE"), rows);
            out.line("");
            out.line(view != null ? liveLine(view) : "live nodes unknown: " + viewProblem);
            if (!nodes.isEmpty()) {
                out.table(List.of("NODE", "URL", "PID", "STATE", "READY", "LIVE", "LAG", "HEARTBEAT"), nodeTable(nodes));
            }
            out.line("");
            if (partitions != null) {
                long under = partitions.stream().filter(p -> p.isr().size() < p.replicas().size()).count();
                long offline = partitions.stream().filter(p -> p.leader() == null).count();
                out.line(Topics.EVENTS + ": " + partitions.size() + " partitions, " + under + " under-replicated, "
                        + offline + " without leader");
                List<List<String>> prows = new ArrayList<>();
                for (PartitionStatus p : partitions) {
                    prows.add(List.of(Integer.toString(p.partition()), p.leader() == null ? "none" : p.leader().toString(),
                            p.replicas().toString(), p.isr().toString(),
                            p.highWatermark() == null ? "-" : p.highWatermark().toString()));
                }
                out.table(List.of("PARTITION", "LEADER", "REPLICAS", "ISR", "HIGH WATERMARK"), prows);
            } else {
                out.line(problem);
            }
        }
        return partitions == null ? ExitCode.UNREACHABLE : ExitCode.OK;
    }

    /**
     * The local nodes in order, each marked live or not per {@code view} (null: unknown), then the
     * live nodes the local cluster does not know; nodes are matched by URL.
     */
    static List<NodeRow> nodeRows(List<LocalNodes.NodeStatus> local, ClusterView view) {
        List<NodeRow> rows = new ArrayList<>();
        for (LocalNodes.NodeStatus n : local) {
            var live = view == null ? Optional.<ClusterView.Node>empty() : view.node(n.url());
            rows.add(new NodeRow(Integer.toString(n.id()), n.url(), n.running() ? n.pid() : null,
                    n.running() ? "running" : "stopped", n.ready(), view == null ? null : live.isPresent(),
                    live.map(ClusterView.Node::lag).orElse(null),
                    live.map(ClusterView.Node::heartbeatAgeMs).orElse(null)));
        }
        if (view != null) {
            for (ClusterView.Node n : view.nodes()) {
                if (local.stream().noneMatch(l -> l.url().equals(n.url()))) {
                    rows.add(new NodeRow(n.id(), n.url(), null, null, n.ready(), true, n.lag(), n.heartbeatAgeMs()));
                }
            }
        }
        return rows;
    }

    static List<List<String>> nodeTable(List<NodeRow> nodes) {
        List<List<String>> rows = new ArrayList<>();
        for (NodeRow n : nodes) {
            rows.add(List.of(n.id(), n.url(), dash(n.pid()), dash(n.state()), yesNo(n.ready()), yesNo(n.live()),
                    dash(n.lag()), n.heartbeatAgeMs() == null ? "-" : n.heartbeatAgeMs() + " ms"));
        }
        return rows;
    }

    /** "live nodes per node-1 (GET /v1/cluster): node-1, node-2". */
    static String liveLine(ClusterView view) {
        List<String> live = view.nodes().stream().map(ClusterView.Node::id).toList();
        return "live nodes per " + view.node() + " (GET /v1/cluster): " + (live.isEmpty() ? "none" : String.join(", ", live));
    }

    /** The partitions with the high watermarks {@code view} gives (null for a partition it does not list). */
    static List<PartitionStatus> withHighWatermarks(List<PartitionStatus> partitions, ClusterView view) {
        Map<Integer, Long> marks = new HashMap<>();
        view.partitions().forEach(p -> marks.put(p.partition(), p.highWatermark()));
        return partitions.stream().map(p -> new PartitionStatus(p.partition(), p.leader(), p.replicas(), p.isr(),
                marks.get(p.partition()))).toList();
    }

    private static String dash(Object value) {
        return value == null ? "-" : value.toString();
    }

    private static String yesNo(Boolean value) {
        return value == null ? "-" : value ? "yes" : "no";
    }

    private static List<PartitionStatus> describe(Admin admin)
            throws ExecutionException, TimeoutException, InterruptedException {
        TopicDescription d = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(Topics.EVENTS);
        List<PartitionStatus> result = new ArrayList<>();
        for (TopicPartitionInfo p : d.partitions()) {
            Node leader = p.leader();
            result.add(new PartitionStatus(p.partition(), leader == null || leader.isEmpty() ? null : leader.id(),
                    p.replicas().stream().map(Node::id).toList(), p.isr().stream().map(Node::id).toList(), null));
        }
        return result;
    }
}
