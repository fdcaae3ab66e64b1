package io.kvlog.query.internal;

import io.kvlog.http.NodeIdentity;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Topics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * {@code GET /v1/cluster}: the brokers, the nodes with the copies they hold, and per partition
 * its high watermark and each copy's position and lag, gathered from the brokers, Streams'
 * metadata and every node's {@link Wire#COPIES_PATH}. What could not be learned in time is left
 * out and named under {@code problems}, so the view is partial but never made up.
 */
public final class ClusterView {

    private final Vertx vertx;
    private final LocalCopies copies;
    private final Admin admin;
    private final ReadIndex readIndex;
    private final Forwarder forwarder;
    private final PartitionCount partitions;
    private final NodeIdentity node;
    private final HostInfo self;

    public ClusterView(Vertx vertx, LocalCopies copies, Admin admin, ReadIndex readIndex, Forwarder forwarder,
                       PartitionCount partitions, NodeIdentity node, HostInfo self) {
        this.vertx = vertx;
        this.copies = copies;
        this.admin = admin;
        this.readIndex = readIndex;
        this.forwarder = forwarder;
        this.partitions = partitions;
        this.node = node;
        this.self = self;
    }

    /** This node's copies and their positions, as {@link Wire#COPIES_PATH} answers (blocking). */
    public JsonObject localCopies() {
        JsonArray list = new JsonArray();
        String state = copies.state();
        Map<Integer, Boolean> held = state.equals("RUNNING") || state.equals("REBALANCING") ? copies.localCopies()
                : Map.of();
        held.forEach((partition, active) -> {
            Read<Long> position = copies.position(partition, false);
            JsonObject copy = new JsonObject().put("partition", partition).put("copy", Wire.copy(active));
            if (position instanceof Read.Hit<Long> hit) {
                copy.put("position", hit.value());
            } else {
                copy.put("position", (Long) null).put("problem", ((Read.Miss<Long>) position).reason().name());
            }
            list.add(copy);
        });
        return new JsonObject().put("id", node.nodeId()).put("url", node.url()).put("state", state)
                .put("copies", list);
    }

    public Future<JsonObject> view(Deadline deadline) {
        List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        Future<JsonArray> brokers = brokers(deadline).otherwise(failure -> {
            problems.add("brokers: " + failure.getMessage());
            return new JsonArray();
        });
        Future<Map<Integer, Long>> highWatermarks = Future.fromCompletionStage(partitions.get(), vertx.getOrCreateContext())
                .compose(count -> Future.fromCompletionStage(readIndex.highWatermarks(
                        IntStream.range(0, count).boxed().collect(Collectors.toSet())), vertx.getOrCreateContext()))
                .otherwise(failure -> {
                    problems.add("high watermarks: " + failure.getMessage());
                    return Map.of();
                });
        Future<List<JsonObject>> nodes = vertx.executeBlocking(copies::allNodes, false)
                .compose(all -> nodeCopies(all, deadline))
                .otherwise(failure -> {
                    problems.add("nodes: " + failure.getMessage());
                    return List.of();
                });
        return Future.join(brokers, highWatermarks, nodes).transform(done -> Future.succeededFuture(
                assemble(brokers.result(), highWatermarks.result(), nodes.result(), problems)));
    }

    private Future<JsonArray> brokers(Deadline deadline) {
        var described = admin.describeCluster(new DescribeClusterOptions()
                .timeoutMs((int) Math.max(1, deadline.remainingMillis())));
        return Future.fromCompletionStage(described.nodes().toCompletionStage(), vertx.getOrCreateContext())
                .map(nodes -> {
                    JsonArray list = new JsonArray();
                    nodes.stream().sorted((a, b) -> Integer.compare(a.id(), b.id()))
                            .forEach(n -> list.add(broker(n)));
                    return list;
                });
    }

    private static JsonObject broker(Node broker) {
        return new JsonObject().put("id", broker.id()).put("host", broker.host()).put("port", broker.port())
                .put("rack", broker.rack());
    }

    /** Each node of the metadata with the copies it reports (or those the metadata assigns it, if it does not answer). */
    private Future<List<JsonObject>> nodeCopies(Collection<StreamsMetadata> all, Deadline deadline) {
        List<Future<JsonObject>> answers = new ArrayList<>();
        for (StreamsMetadata member : all) {
            JsonObject assigned = new JsonObject()
                    .put("url", Hosts.url(member.hostInfo()))
                    .put("roles", new JsonArray().add("materializer").add("query"))
                    .put("active", partitionsOf(member.topicPartitions()))
                    .put("standby", partitionsOf(member.standbyTopicPartitions()));
            Future<JsonObject> reported = member.hostInfo().equals(self)
                    ? vertx.executeBlocking(this::localCopies, false)
                    : forwarder.copies(member.hostInfo(), deadline);
            answers.add(reported.map(answer -> assigned.copy().put("id", answer.getString("id"))
                            .put("state", answer.getString("state")).put("copies", answer.getJsonArray("copies")))
                    .otherwise(failure -> assigned.copy().put("id", (String) null).put("state", "unreachable")
                            .put("problem", failure.getMessage())));
        }
        return Future.join(new ArrayList<>(answers)).transform(done -> Future.succeededFuture(
                answers.stream().map(Future::result).collect(Collectors.toList())));
    }

    private static JsonArray partitionsOf(Set<TopicPartition> tps) {
        JsonArray list = new JsonArray();
        tps.stream().filter(tp -> tp.topic().equals(Topics.EVENTS)).map(TopicPartition::partition).sorted()
                .forEach(list::add);
        return list;
    }

    private JsonObject assemble(JsonArray brokers, Map<Integer, Long> highWatermarks, List<JsonObject> nodes,
                                List<String> problems) {
        Map<Integer, JsonObject> byPartition = new TreeMap<>();
        highWatermarks.forEach((p, hw) -> byPartition.put(p, partition(p, hw)));
        JsonArray nodeList = new JsonArray();
        for (JsonObject member : nodes) {
            Map<Integer, Long> positions = new HashMap<>();
            JsonArray reported = member.getJsonArray("copies", new JsonArray());
            for (int i = 0; i < reported.size(); i++) {
                JsonObject copy = reported.getJsonObject(i);
                positions.put(copy.getInteger("partition"), copy.getLong("position"));
            }
            for (String kind : List.of("active", "standby")) {
                JsonArray assigned = member.getJsonArray(kind);
                for (int i = 0; i < assigned.size(); i++) {
                    int p = assigned.getInteger(i);
                    JsonObject partition = byPartition.computeIfAbsent(p, q -> partition(q, null));
                    Long position = positions.get(p);
                    Long hw = partition.getLong("highWatermark");
                    JsonObject copy = new JsonObject().put("node", member.getString("id"))
                            .put("url", member.getString("url")).put("position", position)
                            .put("lag", position == null || hw == null ? null : Math.max(0, hw - 1 - position));
                    if (kind.equals("active")) {
                        partition.put("active", copy);
                    } else {
                        partition.getJsonArray("standbys").add(copy);
                    }
                }
            }
            nodeList.add(member);
        }
        JsonArray partitionList = new JsonArray();
        byPartition.values().forEach(partitionList::add);
        return new JsonObject().put("node", node.nodeId()).put("brokers", brokers).put("nodes", nodeList)
                .put("partitions", partitionList).put("problems", new JsonArray(problems));
    }

    private static JsonObject partition(int partition, Long highWatermark) {
        return new JsonObject().put("partition", partition).put("highWatermark", highWatermark)
                .put("active", (Object) null).put("standbys", new JsonArray());
    }
}
