package io.kvlog.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster as one node sees it, {@code GET /v1/cluster} (design version 2). Fields the node adds
 * later are ignored.
 *
 * @param node       the name of the node that answered
 * @param brokers    the brokers its Kafka clients know
 * @param nodes      the live nodes: those whose heartbeat on {@code kv.nodes} is younger than the node timeout
 * @param partitions the partitions of {@code kv.events}
 */
record ClusterView(String node, List<Broker> brokers, List<LiveNode> nodes, List<Partition> partitions) {

    record Broker(int id, String host, int port) {
    }

    /**
     * A live node.
     *
     * @param id             its name, e.g. {@code node-1}
     * @param started        when it started, epoch millis
     * @param heartbeatAgeMs how long ago its last heartbeat was
     * @param applied        partition → last applied offset ({@code -1}: none)
     * @param lag            events its copy is behind the log; null if unknown
     */
    record LiveNode(String id, String url, List<String> roles, boolean ready, long started, Long heartbeatAgeMs,
            Map<Integer, Long> applied, Long lag) {
    }

    record Partition(int partition, Integer leader, List<Integer> isr, Long highWatermark) {
    }

    /** Parses the body of {@code GET /v1/cluster}; IllegalArgumentException naming the body if it is not that. */
    static ClusterView parse(String body) {
        try {
            ClusterView view = NodeDescription.JSON.readValue(body, ClusterView.class);
            return new ClusterView(view.node(), view.brokers() == null ? List.of() : view.brokers(),
                    view.nodes() == null ? List.of() : view.nodes(),
                    view.partitions() == null ? List.of() : view.partitions());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a /v1/cluster reply: " + body + " (" + e.getMessage() + ")", e);
        }
    }

    /** The live node at {@code url}, if it is live. */
    Optional<LiveNode> live(String url) {
        return nodes.stream().filter(n -> url.equals(n.url())).findFirst();
    }
}
