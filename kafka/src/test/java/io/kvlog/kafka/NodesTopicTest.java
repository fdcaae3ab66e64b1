package io.kvlog.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.protocol.Topics;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.internals.KafkaFutureImpl;
import org.junit.jupiter.api.Test;

class NodesTopicTest {

    @Test
    void heartbeatTopicIsCompactedAndWritableWithOneReplica() {
        // When the topic is defined for a three-broker cluster
        NewTopic topic = NodesTopic.newTopic(NodesTopic.replicationFactor(3));

        // Then it is kv.nodes, one partition on three brokers, compacted soon, writable while one replica is in sync
        assertEquals(Topics.NODES, topic.name());
        assertEquals(1, topic.numPartitions());
        assertEquals(3, topic.replicationFactor());
        assertEquals(Map.of("cleanup.policy", "compact", "min.insync.replicas", "1",
                "segment.ms", "3600000", "min.compaction.lag.ms", "0"), topic.configs());
    }

    @Test
    void replicationFactorIsThreeOrEveryBroker() {
        assertEquals(1, NodesTopic.replicationFactor(1));
        assertEquals(2, NodesTopic.replicationFactor(2));
        assertEquals(3, NodesTopic.replicationFactor(3));
        assertEquals(3, NodesTopic.replicationFactor(5));
    }

    @Test
    void rejectsReplicationFactorBelowOneQuotingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodesTopic.newTopic((short) 0));
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NodesTopic.replicationFactor(0));
    }

    @Test
    void createsAnAbsentTopic() {
        // Given a cluster without kv.nodes
        List<NewTopic> requested = new ArrayList<>();
        Admin admin = admin(requested, KafkaFuture.completedFuture(null));

        // When it is ensured with replication factor 2
        NodesTopic.Result result = NodesTopic.ensure(admin, (short) 2);

        // Then exactly that topic was asked for, and it was created
        assertEquals(NodesTopic.Result.CREATED, result);
        assertEquals(List.of(NodesTopic.newTopic((short) 2)), requested);
    }

    @Test
    void anExistingTopicIsFine() {
        Admin admin = admin(new ArrayList<>(), failed(new TopicExistsException("Topic 'kv.nodes' already exists.")));

        assertEquals(NodesTopic.Result.EXISTS, NodesTopic.ensure(admin, (short) 3));
    }

    @Test
    void anyOtherFailureNamesTheTopicAndItsCause() {
        PolicyViolationException cause = new PolicyViolationException("replication factor 3 not allowed");
        Admin admin = admin(new ArrayList<>(), failed(cause));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NodesTopic.ensure(admin, (short) 3));

        assertEquals("cannot create kv.nodes: replication factor 3 not allowed", e.getMessage());
        assertSame(cause, e.getCause());
    }

    /** An admin client that only creates topics: records the request and answers with {@code outcome}. */
    private static Admin admin(List<NewTopic> requested, KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig> outcome) {
        return (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                (proxy, method, args) -> {
                    if (!method.getName().equals("createTopics")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    @SuppressWarnings("unchecked")
                    Collection<NewTopic> topics = (Collection<NewTopic>) args[0];
                    requested.addAll(topics);
                    Map<String, KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig>> futures = Map.of(Topics.NODES, outcome);
                    return new CreateTopicsResult(futures) { };
                });
    }

    private static KafkaFuture<CreateTopicsResult.TopicMetadataAndConfig> failed(Throwable cause) {
        KafkaFutureImpl<CreateTopicsResult.TopicMetadataAndConfig> future = new KafkaFutureImpl<>();
        future.completeExceptionally(cause);
        return future;
    }
}
