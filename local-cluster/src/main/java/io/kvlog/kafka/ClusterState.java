package io.kvlog.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state of a local cluster as kept in {@code cluster.json} of its data directory, so that a
 * later {@code kv} invocation can manage what an earlier one started.
 *
 * @param clusterId  the KRaft cluster id the storage was formatted with
 * @param partitions partitions of {@code kv.events}
 * @param brokers    the brokers, ordered by id
 * @param nodes      the kvlog nodes, ordered by id (none in a state file written before nodes existed)
 * @param kafkaSasl  true if the brokers take SASL/PLAIN only and authorize with ACLs, the users being
 *                   in the data directory ({@link KafkaSasl}); false in a state file written before
 */
public record ClusterState(String clusterId, int partitions, List<BrokerState> brokers, List<NodeState> nodes,
                           boolean kafkaSasl) {

    public ClusterState {
        brokers = List.copyOf(brokers);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    public ClusterState(String clusterId, int partitions, List<BrokerState> brokers) {
        this(clusterId, partitions, brokers, List.of(), false);
    }

    public ClusterState(String clusterId, int partitions, List<BrokerState> brokers, List<NodeState> nodes) {
        this(clusterId, partitions, brokers, nodes, false);
    }

    public Optional<NodeState> node(int id) {
        return nodes.stream().filter(n -> n.id() == id).findFirst();
    }

    /** A copy with {@code node} added, or replacing the node with its id. */
    public ClusterState with(NodeState node) {
        List<NodeState> list = new ArrayList<>(nodes);
        list.removeIf(n -> n.id() == node.id());
        list.add(node);
        list.sort(java.util.Comparator.comparingInt(NodeState::id));
        return new ClusterState(clusterId, partitions, brokers, list, kafkaSasl);
    }

    public Optional<BrokerState> broker(int id) {
        return brokers.stream().filter(b -> b.id() == id).findFirst();
    }

    /** A copy with one broker replaced by {@code updated} (same id). */
    public ClusterState with(BrokerState updated) {
        List<BrokerState> list = new ArrayList<>(brokers);
        list.replaceAll(b -> b.id() == updated.id() ? updated : b);
        return new ClusterState(clusterId, partitions, list, nodes, kafkaSasl);
    }
}
