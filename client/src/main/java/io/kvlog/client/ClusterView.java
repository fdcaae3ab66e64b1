package io.kvlog.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a node knows of the cluster ({@code GET /v1/cluster}).
 *
 * @param node       the node that answered
 * @param brokers    the Kafka brokers
 * @param nodes      the live kvlog nodes
 * @param partitions the partitions of {@code kv.events}
 * @param problems   what the answering node sees wrong, in words; empty when all is well
 */
public record ClusterView(String node, List<Broker> brokers, List<Node> nodes, List<Partition> partitions,
                          List<String> problems) {

    public ClusterView {
        brokers = brokers == null ? List.of() : List.copyOf(brokers);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** The live node at {@code url}, if it is live. */
    public Optional<Node> node(String url) {
        return nodes.stream().filter(n -> url.equals(n.url())).findFirst();
    }

    /** A Kafka broker. */
    public record Broker(int id, String host, int port, String rack) {
    }

    /**
     * A live kvlog node.
     *
     * @param started        when it started, epoch millis
     * @param heartbeatAgeMs how long ago its last heartbeat was (null: unknown)
     * @param applied        per partition, the offset its copy has applied up to ({@code -1}: none)
     * @param lag            how many events its copy is behind the log, or null if unknown
     */
    public record Node(String id, String url, List<String> roles, boolean ready, long started, Long heartbeatAgeMs,
                       Map<Integer, Long> applied, Long lag) {
    }

    /** A partition of {@code kv.events}: its high watermark, leader and in-sync replicas (null: unknown). */
    public record Partition(int partition, Long highWatermark, Integer leader, List<Integer> isr) {
    }
}
