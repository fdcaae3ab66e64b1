package io.kvlog.query.internal;

import io.kvlog.http.Deadline;
import io.kvlog.http.Members;
import io.kvlog.http.NodeIdentity;
import io.kvlog.materializer.AppliedPositions;
import io.kvlog.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * {@code GET /v1/cluster}: the brokers; the live nodes with their applied positions and lag (from
 * membership heartbeats); each partition's leader, in-sync replicas and high watermark. What
 * could not be learned in time is left out and named under {@code problems}: the view may be
 * partial, never made up.
 */
public final class ClusterView {

    private final Vertx vertx;
    private final Admin admin;
    private final ReadIndex readIndex;
    private final Members members;
    private final NodeIdentity node;
    private final int partitions;

    public ClusterView(Vertx vertx, Admin admin, ReadIndex readIndex, Members members, NodeIdentity node,
                       int partitions) {
        this.vertx = vertx;
        this.admin = admin;
        this.readIndex = readIndex;
        this.members = members;
        this.node = node;
        this.partitions = partitions;
    }

    public Future<JsonObject> view(Deadline deadline) {
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        int timeout = (int) Math.max(1, deadline.remainingMillis());
        Future<JsonArray> brokers = Future.fromCompletionStage(admin.describeCluster(new DescribeClusterOptions()
                        .timeoutMs(timeout)).nodes().toCompletionStage(), vertx.getOrCreateContext())
                .map(nodes -> {
                    JsonArray list = new JsonArray();
                    nodes.stream().sorted((a, b) -> Integer.compare(a.id(), b.id())).forEach(n -> list.add(broker(n)));
                    return list;
                })
                .otherwise(failure -> {
                    problems.add("brokers: " + failure.getMessage());
                    return new JsonArray();
                });
        Future<TopicDescription> topic = Future.fromCompletionStage(admin.describeTopics(Set.of(Topics.EVENTS),
                        new DescribeTopicsOptions().timeoutMs(timeout)).allTopicNames().toCompletionStage(),
                        vertx.getOrCreateContext())
                .map(all -> all.get(Topics.EVENTS))
                .otherwise(failure -> {
                    problems.add("partitions: " + failure.getMessage());
                    return null;
                });
        Future<Map<Integer, Long>> highWatermarks = Future.fromCompletionStage(readIndex.highWatermarks(
                        IntStream.range(0, partitions).boxed().collect(Collectors.toSet())), vertx.getOrCreateContext())
                .otherwise(failure -> {
                    problems.add("high watermarks: " + failure.getMessage());
                    return Map.of();
                });
        return Future.join(brokers, topic, highWatermarks).transform(done -> Future.succeededFuture(
                assemble(brokers.result(), topic.result(), highWatermarks.result(), problems)));
    }

    private JsonObject assemble(JsonArray brokers, TopicDescription topic, Map<Integer, Long> highWatermarks,
                                List<String> problems) {
        JsonArray nodes = new JsonArray();
        for (Members.Member member : members.live()) {
            JsonObject applied = new JsonObject();
            member.applied().forEach((p, o) -> applied.put(String.valueOf(p), o));
            Long lag = AppliedPositions.lag(member.applied(), highWatermarks);
            nodes.add(new JsonObject().put("id", member.id()).put("url", member.url())
                    .put("roles", new JsonArray(member.roles())).put("ready", member.ready())
                    .put("started", member.started()).put("heartbeatAgeMs", member.heartbeatAgeMs())
                    .put("applied", applied).put("lag", lag));
        }
        JsonArray partitionList = new JsonArray();
        for (int p = 0; p < partitions; p++) {
            JsonObject partition = new JsonObject().put("partition", p).put("highWatermark", highWatermarks.get(p));
            if (topic != null && p < topic.partitions().size()) {
                TopicPartitionInfo info = topic.partitions().get(p);
                partition.put("leader", info.leader() == null || info.leader().isEmpty() ? null : info.leader().id())
                        .put("isr", new JsonArray(info.isr().stream().map(Node::id).sorted().toList()));
            }
            partitionList.add(partition);
        }
        return new JsonObject().put("node", node.nodeId()).put("brokers", brokers).put("nodes", nodes)
                .put("partitions", partitionList).put("problems", new JsonArray(new ArrayList<>(problems)));
    }

    private static JsonObject broker(Node broker) {
        return new JsonObject().put("id", broker.id()).put("host", broker.host()).put("port", broker.port())
                .put("rack", broker.rack());
    }
}
