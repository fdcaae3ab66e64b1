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
 */
public record ClusterState(String clusterId, int partitions, List<BrokerState> brokers) {

    public ClusterState {
        brokers = List.copyOf(brokers);
    }

    public Optional<BrokerState> broker(int id) {
        return brokers.stream().filter(b -> b.id() == id).findFirst();
    }

    /** A copy with one broker replaced by {@code updated} (same id). */
    public ClusterState with(BrokerState updated) {
        List<BrokerState> list = new ArrayList<>(brokers);
        list.replaceAll(b -> b.id() == updated.id() ? updated : b);
        return new ClusterState(clusterId, partitions, list);
    }
}
