package io.kvlog.cli;

import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.LocalKafkaCluster.BrokerStatus;
import io.kvlog.protocol.Topics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

/** {@code kv status}: brokers and the partitions of kv.events with their leaders and in-sync replicas. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the brokers and the partitions of kv.events (leader, in-sync replicas).",
                "Exit code 3 if no broker answers."})
final class StatusCommand implements Callable<Integer> {

    @ParentCommand
    Kv kv;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    /** One partition of kv.events. */
    record PartitionStatus(int partition, Integer leader, List<Integer> replicas, List<Integer> isr) {
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
        if (json) {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("dataDir", local.dataDir().toString());
            status.put("bootstrapServers", local.bootstrapServers());
            status.put("brokers", brokers.stream().map(b -> Map.of("id", b.id(), "address", b.address(),
                    "pid", b.running() ? b.pid() : 0, "state", b.running() ? "running" : "stopped")).toList());
            status.put("partitions", partitions);
            status.put("problem", problem);
            out.json(status);
        } else {
            out.line("data dir: " + local.dataDir());
            out.line("bootstrap servers: " + local.bootstrapServers());
            out.line("");
            List<List<String>> rows = new ArrayList<>();
            for (BrokerStatus b : brokers) {
                rows.add(List.of(Integer.toString(b.id()), b.address(), b.running() ? Long.toString(b.pid()) : "-",
                        b.running() ? "running" : "stopped"));
            }
            out.table(List.of("BROKER", "ADDRESS", "PID", "STATE"), rows);
            out.line("");
            if (partitions != null) {
                long under = partitions.stream().filter(p -> p.isr().size() < p.replicas().size()).count();
                long offline = partitions.stream().filter(p -> p.leader() == null).count();
                out.line(Topics.EVENTS + ": " + partitions.size() + " partitions, " + under + " under-replicated, "
                        + offline + " without leader");
                List<List<String>> prows = new ArrayList<>();
                for (PartitionStatus p : partitions) {
                    prows.add(List.of(Integer.toString(p.partition()), p.leader() == null ? "none" : p.leader().toString(),
                            p.replicas().toString(), p.isr().toString()));
                }
                out.table(List.of("PARTITION", "LEADER", "REPLICAS", "ISR"), prows);
            } else {
                out.line(problem);
            }
        }
        return partitions == null ? ExitCode.UNREACHABLE : ExitCode.OK;
    }

    private static List<PartitionStatus> describe(Admin admin)
            throws ExecutionException, TimeoutException, InterruptedException {
        TopicDescription d = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames()
                .get(10, TimeUnit.SECONDS).get(Topics.EVENTS);
        List<PartitionStatus> result = new ArrayList<>();
        for (TopicPartitionInfo p : d.partitions()) {
            Node leader = p.leader();
            result.add(new PartitionStatus(p.partition(), leader == null || leader.isEmpty() ? null : leader.id(),
                    p.replicas().stream().map(Node::id).toList(), p.isr().stream().map(Node::id).toList()));
        }
        return result;
    }
}
