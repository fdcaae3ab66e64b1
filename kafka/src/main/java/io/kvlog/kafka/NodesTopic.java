package io.kvlog.kafka;

import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates {@code kv.nodes}, the topic of membership heartbeats, if it is absent.
 *
 * <p>A heartbeat says a node is alive; it is not data. So the topic is compacted to each node's
 * latest heartbeat and takes writes while any one replica is in sync: heartbeats must keep
 * flowing through the loss of brokers that would stop writes to {@code kv.events}. One partition
 * keeps every heartbeat in one order.
 *
 * <p>Unlike {@link EventTopic}, an existing topic is not checked: nothing acknowledged to a
 * client lives in it, and a wrongly configured one costs at worst stale membership.
 */
public final class NodesTopic {

    /** Partitions of {@code kv.nodes}. */
    public static final int PARTITIONS = 1;

    /** Topic-level configs {@code kv.nodes} is created with. */
    public static final Map<String, String> CONFIGS = Map.of(
            "cleanup.policy", "compact",
            "min.insync.replicas", "1",
            // the cleaner only compacts closed segments: roll hourly, not weekly, so old beats go
            "segment.ms", Long.toString(Duration.ofHours(1).toMillis()),
            // a heartbeat is worthless once the same node has sent a newer one
            "min.compaction.lag.ms", "0");

    private static final long TIMEOUT_SECONDS = 30;

    private NodesTopic() {
    }

    /** What {@link #ensure} found. */
    public enum Result { CREATED, EXISTS }

    /** Replication factor for a cluster of {@code brokers} brokers: 3, or every broker if there are fewer. */
    public static short replicationFactor(int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("brokers: must be >= 1, got " + brokers);
        }
        return (short) Math.min(3, brokers);
    }

    /** The topic as {@link #ensure} creates it; separated for unit tests. */
    static NewTopic newTopic(short replicationFactor) {
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor of " + Topics.NODES + ": must be >= 1, got "
                    + replicationFactor);
        }
        return new NewTopic(Topics.NODES, PARTITIONS, replicationFactor).configs(CONFIGS);
    }

    /** Creates the topic, or finds it there already (whatever its configuration). */
    public static Result ensure(Admin admin, short replicationFactor) {
        NewTopic topic = newTopic(replicationFactor);
        try {
            admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return Result.CREATED;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return Result.EXISTS;
            }
            throw new IllegalStateException("cannot create " + Topics.NODES + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the cluster within " + TIMEOUT_SECONDS + " s while creating "
                    + Topics.NODES, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + Topics.NODES, e);
        }
    }
}
