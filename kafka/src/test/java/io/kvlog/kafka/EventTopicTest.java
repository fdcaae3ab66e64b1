package io.kvlog.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.protocol.Topics;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

class EventTopicTest {

    private static Map<String, String> designConfigs() {
        return new HashMap<>(Map.of("min.insync.replicas", "2", "unclean.leader.election.enable", "false",
                "retention.ms", "-1", "cleanup.policy", "delete",
                "max.message.bytes", io.kvlog.protocol.Topics.EVENTS_CONFIG.get("max.message.bytes")));
    }

    @Test
    void expectedTopicFollowsTheDesign() {
        EventTopic.Expected expected = EventTopic.Expected.forCluster(12, 3);

        assertEquals(12, expected.partitions());
        assertEquals(3, expected.replicationFactor());
        assertEquals("-1", expected.configs().get("retention.ms"));
        assertEquals("2", expected.configs().get("min.insync.replicas"));
        assertEquals("false", expected.configs().get("unclean.leader.election.enable"));
    }

    @Test
    void matchingTopicHasNoDifferences() {
        List<String> diffs = EventTopic.compare(EventTopic.Expected.forCluster(6, 3), 6, List.of(3, 3, 3, 3, 3, 3),
                designConfigs());

        assertTrue(diffs.isEmpty(), diffs.toString());
    }

    @Test
    void everyDifferenceIsReported() {
        // Given a topic with too few partitions, RF 1 somewhere, finite retention and unclean election
        Map<String, String> configs = designConfigs();
        configs.put("retention.ms", "604800000");
        configs.put("unclean.leader.election.enable", "true");

        // When it is compared to the design
        List<String> diffs = EventTopic.compare(EventTopic.Expected.forCluster(12, 3), 6, List.of(3, 1, 3), configs);

        // Then each difference is named with the expected value
        assertEquals(List.of("partitions 6, expected 12", "replication factor 1, expected 3",
                "retention.ms=604800000, expected -1", "unclean.leader.election.enable=true, expected false"), diffs);
    }

    @Test
    void aTopicJustCreatedByAnotherProcessIsVerifiedOnceTheBrokerKnowsIt() throws Exception {
        // Given a topic another process created a moment ago: the broker asked does not know it for two looks
        EventTopic.Expected expected = EventTopic.Expected.forCluster(2, 3);
        AtomicInteger describes = new AtomicInteger();
        Admin admin = admin(expected, describes, 2);

        // When this process ensures it
        EventTopic.Result result = EventTopic.ensure(admin, expected);

        // Then it asked again until the broker knew the topic, and found it as expected
        assertEquals(EventTopic.Result.VERIFIED, result);
        assertEquals(3, describes.get());
    }

    /**
     * An admin client whose topic already exists (created elsewhere) and matches {@code expected};
     * its first {@code unknownFor} descriptions fail with UnknownTopicOrPartitionException.
     */
    private static Admin admin(EventTopic.Expected expected, AtomicInteger describes, int unknownFor) {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "createTopics" -> new CreateTopicsResult(Map.of(Topics.EVENTS,
                            failed(new TopicExistsException("Topic 'kv.events' already exists.")))) { };
                    case "describeTopics" -> {
                        KafkaFuture<TopicDescription> description = describes.incrementAndGet() <= unknownFor
                                ? failed(new UnknownTopicOrPartitionException("This server does not host this topic-partition."))
                                : KafkaFuture.completedFuture(description(expected));
                        yield new DescribeTopicsResult(null, Map.of(Topics.EVENTS, description)) { };
                    }
                    case "describeConfigs" -> {
                        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.EVENTS);
                        List<ConfigEntry> entries = new ArrayList<>();
                        expected.configs().forEach((k, v) -> entries.add(new ConfigEntry(k, v)));
                        yield new DescribeConfigsResult(Map.of(resource,
                                KafkaFuture.completedFuture(new Config(entries)))) { };
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static TopicDescription description(EventTopic.Expected expected) {
        List<Node> replicas = new ArrayList<>();
        for (int b = 1; b <= expected.replicationFactor(); b++) {
            replicas.add(new Node(b, "127.0.0.1", 9000 + b));
        }
        List<TopicPartitionInfo> partitions = new ArrayList<>();
        for (int p = 0; p < expected.partitions(); p++) {
            partitions.add(new TopicPartitionInfo(p, replicas.get(0), replicas, replicas));
        }
        return new TopicDescription(Topics.EVENTS, false, partitions);
    }

    private static <T> KafkaFuture<T> failed(Throwable cause) {
        KafkaFutureImpl<T> future = new KafkaFutureImpl<>();
        future.completeExceptionally(cause);
        return future;
    }
}
