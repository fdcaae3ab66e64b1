package io.kvlog.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.client.ClusterView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading the nodes' version-2 JSON ({@code /v1/node}, {@code /v1/cluster}) and what kv prints of it. */
class KvNodeJsonTest {

    private static final String NODE = """
            {"node":"node-1","id":1,"url":"http://127.0.0.1:8081","roles":["materializer","query","writer"],
             "ready":false,"state":"RUNNING","applied":{"0":41,"1":-1,"2":9},"lag":7,
             "restore":{"events":123456,"eventsPerSecond":98000.5,"remaining":10000,"done":false},"future":"ignored"}
            """;

    private static final String CLUSTER = """
            {"node":"node-1","brokers":[{"id":1,"host":"127.0.0.1","port":9092}],
             "nodes":[{"id":"node-1","url":"http://127.0.0.1:8081","roles":["query"],"ready":true,
                       "started":1764650000000,"heartbeatAgeMs":120,"applied":{"0":41},"lag":0},
                      {"id":"node-9","url":"http://10.0.0.9:8081","roles":["query"],"ready":true,
                       "started":1764650000000,"heartbeatAgeMs":900,"applied":{"0":40},"lag":1}],
             "partitions":[{"partition":0,"leader":1,"isr":[1,2,3],"highWatermark":42},
                           {"partition":1,"leader":null,"isr":[],"highWatermark":0}]}
            """;

    @Test
    void aNodeDescriptionGivesAppliedEventsLagAndRestore() {
        NodeDescription node = NodeDescription.parse(NODE);

        assertEquals("node-1", node.node());
        assertEquals(List.of("materializer", "query", "writer"), node.roles());
        assertFalse(node.ready());
        assertEquals(Map.of(0, 41L, 1, -1L, 2, 9L), node.applied());
        assertEquals(42 + 0 + 10, node.appliedEvents());
        assertEquals(7L, node.lag());
        assertEquals(new NodeDescription.Restore(123456, 98000.5, 10000, false), node.restore());
    }

    @Test
    void aNodeThatSaysLittleHasNullsAndNoEvents() {
        NodeDescription node = NodeDescription.parse("{\"node\":\"node-2\",\"id\":2,\"ready\":true,\"lag\":null}");

        assertTrue(node.ready());
        assertNull(node.lag());
        assertNull(node.restore());
        assertEquals(0, node.appliedEvents());
    }

    @Test
    void aReplyThatIsNotADescriptionIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeDescription.parse("<html>"));

        assertTrue(e.getMessage().startsWith("not a /v1/node reply: <html>"), e.getMessage());
    }

    @Test
    void nodeListRowsSayWhatTheProcessAndTheNodeSay() {
        LocalNodes.NodeStatus running = new LocalNodes.NodeStatus(1, "http://127.0.0.1:8081", 4242, true, false,
                Path.of("node.log"));
        LocalNodes.NodeStatus stopped = new LocalNodes.NodeStatus(2, "http://127.0.0.1:8082", 17, false, false,
                Path.of("node2.log"));

        Map<String, Object> row = NodeCommand.row(running, NodeDescription.parse(NODE));
        assertEquals(List.of("id", "url", "pid", "state", "ready", "appliedEvents", "lag", "log"), List.copyOf(row.keySet()));
        assertEquals(4242L, row.get("pid"));
        assertEquals("running", row.get("state"));
        assertEquals(false, row.get("ready"));
        assertEquals(52L, row.get("appliedEvents"));
        assertEquals(7L, row.get("lag"));

        Map<String, Object> silent = NodeCommand.row(stopped, null);
        assertNull(silent.get("pid"));
        assertEquals("stopped", silent.get("state"));
        assertNull(silent.get("appliedEvents"));
        assertNull(silent.get("lag"));
    }

    @Test
    void rebuildProgressAndResultRead() {
        NodeDescription.Restore replaying = NodeDescription.parse(NODE).restore();

        assertEquals("node 2: replayed 123,456 events (98,001 events/s), 10,000 to go",
                NodeCommand.replayProgress(2, replaying));
        assertEquals("node 2: replayed 5 events (3 events/s), caught up",
                NodeCommand.replayProgress(2, new NodeDescription.Restore(5, 2.6, 0, true)));
        assertEquals("node 2: rebuilt from the log: 1,000,000 events in 12.5 s (80,000 events/s)",
                NodeCommand.rebuilt(2, 1_000_000, 12.5));
        assertEquals("node 3: rebuilt from the log: 0 events in 0.0 s (0 events/s)", NodeCommand.rebuilt(3, 0, 0));
    }

    /** A /v1/cluster body as the client reads it. */
    private static ClusterView cluster(String body) {
        try {
            return new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                    .readValue(body, ClusterView.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aClusterViewListsBrokersLiveNodesAndPartitions() {
        ClusterView view = cluster(CLUSTER);

        assertEquals("node-1", view.node());
        assertEquals(List.of(new ClusterView.Broker(1, "127.0.0.1", 9092, null)), view.brokers());
        assertEquals(List.of("node-1", "node-9"), view.nodes().stream().map(ClusterView.Node::id).toList());
        assertEquals(120L, view.node("http://127.0.0.1:8081").orElseThrow().heartbeatAgeMs());
        assertTrue(view.node("http://127.0.0.1:8082").isEmpty());
        assertEquals(new ClusterView.Partition(1, 0L, null, List.of()), view.partitions().get(1));
        assertEquals(List.of(), cluster("{\"node\":\"node-1\"}").nodes());
    }

    @Test
    void statusMarksLocalNodesLiveOrNotAndAddsLiveNodesItDoesNotKnow() {
        // Given node 1 live, node 2 running but not live (no heartbeat), node 3 stopped, node-9 live elsewhere
        List<LocalNodes.NodeStatus> local = List.of(
                new LocalNodes.NodeStatus(1, "http://127.0.0.1:8081", 11, true, true, Path.of("1.log")),
                new LocalNodes.NodeStatus(2, "http://127.0.0.1:8082", 12, true, false, Path.of("2.log")),
                new LocalNodes.NodeStatus(3, "http://127.0.0.1:8083", 13, false, false, Path.of("3.log")));

        List<StatusCommand.NodeRow> rows = StatusCommand.nodeRows(local, cluster(CLUSTER));

        assertEquals(List.of(
                List.of("1", "http://127.0.0.1:8081", "11", "running", "yes", "yes", "0", "120 ms"),
                List.of("2", "http://127.0.0.1:8082", "12", "running", "no", "no", "-", "-"),
                List.of("3", "http://127.0.0.1:8083", "-", "stopped", "no", "no", "-", "-"),
                List.of("node-9", "http://10.0.0.9:8081", "-", "-", "yes", "yes", "1", "900 ms")),
                StatusCommand.nodeTable(rows));
        assertEquals("live nodes per node-1 (GET /v1/cluster): node-1, node-9", StatusCommand.liveLine(cluster(CLUSTER)));

        // And without a view, liveness is unknown rather than "no"
        assertNull(StatusCommand.nodeRows(local, null).get(0).live());
    }

    @Test
    void partitionsTakeTheHighWatermarksOfTheView() {
        List<StatusCommand.PartitionStatus> described = List.of(
                new StatusCommand.PartitionStatus(0, 1, List.of(1, 2, 3), List.of(1, 2, 3), null),
                new StatusCommand.PartitionStatus(2, 2, List.of(2, 3, 1), List.of(2, 3), null));

        List<StatusCommand.PartitionStatus> marked = StatusCommand.withHighWatermarks(described, cluster(CLUSTER));

        assertEquals(42L, marked.get(0).highWatermark());
        assertNull(marked.get(1).highWatermark());
        assertEquals(List.of(2, 3), marked.get(1).isr());
    }
}
