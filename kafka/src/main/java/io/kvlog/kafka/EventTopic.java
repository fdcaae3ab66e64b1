package io.kvlog.kafka;

import io.kvlog.protocol.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates {@code kv.events} as DESIGN.md fixes it, or checks that an existing one matches.
 *
 * <p>An existing topic with other partitions, replication or configs is reported as a
 * {@link TopicMismatchException} listing every difference: kvlog never runs on a log that could
 * lose acknowledged writes or forget history without saying so.
 */
public final class EventTopic {

    private static final long TIMEOUT_SECONDS = 30;
    private static final long UNKNOWN_TOPIC_RETRY_MILLIS = 100;

    private EventTopic() {
    }

    /** What {@link #ensure} found. */
    public enum Result { CREATED, VERIFIED }

    /** The expected shape of the topic: partitions, replication factor and topic configs. */
    public record Expected(int partitions, short replicationFactor, Map<String, String> configs) {
        public Expected {
            configs = Map.copyOf(configs);
        }

        /** DESIGN.md's topic for a cluster of {@code brokers} brokers (RF 3 needs at least 3). */
        public static Expected forCluster(int partitions, int brokers) {
            short rf = (short) Math.min(Topics.EVENTS_REPLICATION_FACTOR, brokers);
            Map<String, String> configs = new HashMap<>(Topics.EVENTS_CONFIG);
            configs.put("min.insync.replicas", Integer.toString(Math.max(1, rf - 1)));
            return new Expected(partitions, rf, configs);
        }
    }

    /** The existing topic differs from what kvlog requires. */
    public static final class TopicMismatchException extends RuntimeException {
        private final List<String> differences;

        public TopicMismatchException(String topic, List<String> differences) {
            super("topic " + topic + " exists with a different configuration: " + String.join("; ", differences)
                    + ". kvlog will not use it; delete the topic or start with an empty cluster");
            this.differences = List.copyOf(differences);
        }

        public List<String> differences() {
            return differences;
        }
    }

    /** Creates the topic, or verifies the existing one. */
    public static Result ensure(Admin admin, Expected expected) {
        try {
            try {
                admin.createTopics(List.of(new NewTopic(Topics.EVENTS, expected.partitions(), expected.replicationFactor())
                        .configs(expected.configs()))).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return Result.CREATED;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create " + Topics.EVENTS + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
            List<String> differences = differencesOnceKnown(admin, expected);
            if (!differences.isEmpty()) {
                throw new TopicMismatchException(Topics.EVENTS, differences);
            }
            return Result.VERIFIED;
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer from the cluster within " + TIMEOUT_SECONDS + " s while creating "
                    + Topics.EVENTS, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating " + Topics.EVENTS, e);
        }
    }

    /**
     * {@link #differences}, asked again while the broker answering does not know the topic yet:
     * another process (a node, {@code kv up}) may have created it a moment ago, and the metadata
     * reaches every broker a little later (seen: a node failing its start with
     * UnknownTopicOrPartitionException when three nodes and {@code kv up} started together).
     */
    private static List<String> differencesOnceKnown(Admin admin, Expected expected)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            try {
                return differences(admin, expected);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(UNKNOWN_TOPIC_RETRY_MILLIS);
            }
        }
    }

    /** Every way the existing topic differs from {@code expected}; empty if it matches. */
    public static List<String> differences(Admin admin, Expected expected)
            throws InterruptedException, TimeoutException {
        try {
            TopicDescription description = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(Topics.EVENTS);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.EVENTS);
            Config config = admin.describeConfigs(Set.of(resource)).all()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(resource);
            Map<String, String> actual = new HashMap<>();
            for (ConfigEntry entry : config.entries()) {
                actual.put(entry.name(), entry.value());
            }
            List<Integer> replicas = description.partitions().stream().map(p -> p.replicas().size()).toList();
            return compare(expected, description.partitions().size(), replicas, actual);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe " + Topics.EVENTS + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Pure comparison, separated for unit tests. */
    static List<String> compare(Expected expected, int partitions, Collection<Integer> replicasPerPartition,
                                Map<String, String> actualConfigs) {
        List<String> differences = new ArrayList<>();
        if (partitions != expected.partitions()) {
            differences.add("partitions " + partitions + ", expected " + expected.partitions());
        }
        replicasPerPartition.stream().filter(r -> r != expected.replicationFactor()).findFirst().ifPresent(r ->
                differences.add("replication factor " + r + ", expected " + expected.replicationFactor()));
        expected.configs().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String actual = actualConfigs.get(e.getKey());
            if (!e.getValue().equals(actual)) {
                differences.add(e.getKey() + "=" + actual + ", expected " + e.getValue());
            }
        });
        return differences;
    }
}
