package io.kvlog.query;

import io.kvlog.protocol.KeyOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.kafka.testing.SharedKafkaCluster;
import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** Three nodes on the shared 3-broker cluster, real HTTP: the read path end to end. */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180)
class ReadPathIT {

    static final int PARTITIONS = 6;

    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final HttpReads http = new HttpReads();
    private TestKafkaCluster kafka;
    private TestNodes nodes;
    private EventWriter writer;

    @BeforeAll
    void startNodes() throws Exception {
        kafka = SharedKafkaCluster.get();
        kafka.createEventsTopic(PARTITIONS);
        Path state = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "read-path-");
        // 3 s rather than 1 s: this machine's two cores are shared with brokers, nodes and other builds,
        // and a read that does not finish in time is (rightly) a 503
        nodes = TestNodes.start(kafka.bootstrapServers(), "kvlog-read-path-" + run, 3, state, Duration.ofSeconds(3));
        nodes.awaitSettled(PARTITIONS, Duration.ofSeconds(60));
        writer = new EventWriter(kafka.bootstrapServers());
    }

    @AfterAll
    void stopNodes() {
        if (writer != null) {
            writer.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    private String key(String name) {
        return run + ":" + name;
    }

    @Test
    void readYourWritesOnAnotherNodeIsServedByTheStandbyThere() {
        int byStandby = 0;
        int writes = 12;
        for (int i = 0; i < writes; i++) {
            // Given a write acked by the log
            String key = key("ryw-" + i);
            Token token = writer.put(key, "value-" + i);
            TestNodes.Node standby = nodes.standbyFor(token.partition());
            assertNotNull(standby, "a standby of partition " + token.partition());

            // When the client reads it with its token on a node holding a standby copy
            HttpReads.Reply reply = http.get(standby.url, key, "consistency=session&after=" + token);

            // Then it sees the write
            assertEquals(200, reply.status(), reply.toString());
            assertEquals("value-" + i, reply.body().getString("value"));
            assertEquals(token.offset(), reply.body().getLong("version"));
            Token served = Token.parse(reply.body().getString("token"));
            assertEquals(token.partition(), served.partition());
            assertTrue(served.offset() >= token.offset(), reply.toString());
            // served by that node's standby, unless it was still behind after half the timeout (then by the active)
            if (standby.id.equals(reply.header("X-KV-Node"))) {
                assertEquals("standby", reply.header("X-KV-Copy"), reply.toString());
                byStandby++;
            } else {
                assertEquals("active", reply.header("X-KV-Copy"), reply.toString());
                assertEquals(standby.id, reply.header("X-KV-Via"), reply.toString());
            }
        }
        System.out.printf("[read-path] read-your-writes: %d of %d reads served by the standby of the node asked%n",
                byStandby, writes);
        assertTrue(byStandby >= writes / 2, byStandby + " of " + writes + " served by the standby");
    }

    @Test
    void aLinearizableReadOnAnyNodeRightAfterTheAckSeesTheWrite() {
        for (int i = 0; i < 30; i++) {
            String key = key("lin-" + (i % 5));
            Token token = writer.put(key, "v" + i);
            TestNodes.Node node = nodes.node(i % 3);

            HttpReads.Reply reply = http.get(node.url, key, "consistency=linearizable");

            assertEquals(200, reply.status(), reply.toString());
            assertEquals("v" + i, reply.body().getString("value"), reply.toString());
            assertEquals(token.offset(), reply.body().getLong("version"));
            assertEquals("active", reply.header("X-KV-Copy"));
            TestNodes.Node active = nodes.activeFor(token.partition());
            assertEquals(active.id, reply.header("X-KV-Node"), "served by the active copy's node: " + reply);
            if (active != node) {
                assertEquals(node.id, reply.header("X-KV-Via"), "forwarded by the node asked: " + reply);
            }
        }
    }

    @Test
    void versionsNeverGoBackForAClientPassingItsTokenAcrossNodes() throws Exception {
        // Given a key written continuously
        String key = key("mono");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Throwable> writeFailure = new AtomicReference<>();
        Thread writes = new Thread(() -> {
            try {
                for (int i = 0; writing.get(); i++) {
                    writer.put(key, "m" + i);
                }
            } catch (Throwable t) {
                writeFailure.set(t);
            }
        });
        Token first = writer.put(key, "start");
        writes.start();

        // When a client reads it round robin over the nodes with session consistency, passing its token on
        String token = first.toString();
        long version = -1;
        int reads = 0;
        Set<String> copies = new HashSet<>();
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        try {
            while (System.nanoTime() < end) {
                TestNodes.Node node = nodes.node(reads++ % 3);
                HttpReads.Reply reply = http.get(node.url, key, "consistency=session&after=" + token);

                // Then each read is at least as new as the one before
                assertEquals(200, reply.status(), reply.toString());
                long seen = reply.body().getLong("version");
                assertTrue(seen >= version, "version went back from " + version + " to " + seen + ": " + reply);
                assertTrue(seen >= first.offset());
                version = seen;
                token = reply.body().getString("token");
                copies.add(reply.header("X-KV-Copy"));
            }
        } finally {
            writing.set(false);
            writes.join();
        }
        assertNull(writeFailure.get());
        // a standby applies a token from the active once the active commits (every 100 ms under exactly-once)
        assertTrue(reads > 10, "reads: " + reads);
        System.out.printf("[read-path] %d monotonic session reads in 3 s across nodes while writing%n", reads);
        assertEquals(Set.of("active", "standby"), copies, "both kinds of copy served");
    }

    @Test
    void anEventualReadAnswersFromTheLocalCopyWithItsLag() {
        String key = key("eventual");
        Token token = writer.put(key, "e");
        TestNodes.Node standby = nodes.standbyFor(token.partition());

        HttpReads.Reply reply = waitForValue(standby, key, "consistency=eventual", "e");

        assertEquals(standby.id, reply.header("X-KV-Node"));
        assertEquals("standby", reply.header("X-KV-Copy"));
        assertNotNull(reply.header("X-KV-Lag"));
        assertNull(reply.header("X-KV-Via"));
    }

    @Test
    void aScanPagesInKeyOrderOverAllPartitionsWithoutTombstones() {
        // Given 60 keys under one prefix across the partitions, every 4th removed, and keys outside the prefix
        String prefix = key("scan/");
        TreeMap<String, String> expected = new TreeMap<>();
        Set<Integer> partitions = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            String key = prefix + String.format("%03d", i);
            Token token = writer.put(key, "s" + i);
            partitions.add(token.partition());
            if (i % 4 == 0) {
                writer.remove(key);
            } else {
                expected.put(key, "s" + i);
            }
        }
        writer.put(key("scan0"), "outside");
        writer.put(key("scan-"), "outside");
        assertEquals(PARTITIONS, partitions.size(), "keys in every partition");

        for (String consistency : List.of("linearizable", "eventual")) {
            for (TestNodes.Node node : nodes.all()) {
                // When a client pages through the prefix 7 at a time
                List<String> keys = new ArrayList<>();
                List<String> values = new ArrayList<>();
                String cursor = null;
                int pages = 0;
                do {
                    HttpReads.Reply reply = http.call(node.url + "/v1/kv?limit=7&consistency=" + consistency
                            + "&prefix=" + encode(prefix) + (cursor == null ? "" : "&cursor=" + cursor));
                    assertEquals(200, reply.status(), reply.toString());
                    JsonArray items = reply.body().getJsonArray("items");
                    assertTrue(items.size() <= 7);
                    for (int i = 0; i < items.size(); i++) {
                        keys.add(items.getJsonObject(i).getString("key"));
                        values.add(items.getJsonObject(i).getString("value"));
                    }
                    cursor = reply.body().getString("cursor");
                    pages++;
                } while (cursor != null && pages < 50);

                // Then it sees every live key once, in order, and nothing else
                if (consistency.equals("linearizable")) {
                    assertEquals(new ArrayList<>(expected.keySet()), keys, node + " " + consistency);
                    assertEquals(new ArrayList<>(expected.values()), values);
                } else {
                    // an eventual scan may trail the last writes; what it returns is still ordered and prefixed
                    assertEquals(keys.stream().sorted().toList(), keys);
                    assertTrue(keys.stream().allMatch(k -> k.startsWith(prefix)));
                }
            }
        }

        // And start/end narrow the range
        HttpReads.Reply window = http.call(nodes.node(1).url + "/v1/kv?start=" + encode(prefix + "010") + "&end="
                + encode(prefix + "020"));
        List<String> windowKeys = window.body().getJsonArray("items").stream()
                .map(o -> ((JsonObject) o).getString("key")).toList();
        assertEquals(expected.subMap(prefix + "010", prefix + "020").keySet().stream().toList(), windowKeys);
    }

    @Test
    void badInputIs400WithAMessageNamingIt() {
        String key = key("bad");
        Token token = writer.put(key, "x");
        int other = (token.partition() + 1) % PARTITIONS;
        String url = nodes.node(0).url;

        assertBadRequest(http.get(url, key, "consistency=strong"), "consistency: must be one of");
        assertBadRequest(http.get(url, key, "consistency=session&after=3-4"), "after: token: expected PARTITION:OFFSET");
        assertBadRequest(http.get(url, key, "consistency=session&after=" + other + ":1"),
                "after: token " + other + ":1 is for partition " + other);
        assertBadRequest(http.call(url + "/v1/kv?limit=100000"), "limit: must be a whole number from 1 to 1000");
        assertBadRequest(http.call(url + "/v1/kv?limit=0"), "limit: must be a whole number from 1 to 1000");
        assertBadRequest(http.call(url + "/v1/kv?cursor=zz"), "cursor: ");
        assertBadRequest(http.call(url + "/v1/admin/digest?partition=" + PARTITIONS), "partition: must be a whole number from 0 to 5");
        assertBadRequest(http.call(url + "/v1/admin/digest?partition=x"), "partition: ");
    }

    @Test
    void theClusterViewShowsBrokersNodesAndEveryPartitionsCopies() {
        writer.put(key("cluster"), "c");

        HttpReads.Reply reply = http.call(nodes.node(2).url + "/v1/cluster");

        assertEquals(200, reply.status(), reply.toString());
        JsonObject view = reply.body();
        assertEquals(3, view.getJsonArray("brokers").size(), view.encodePrettily());
        assertEquals(3, view.getJsonArray("nodes").size(), view.encodePrettily());
        Set<String> ids = new HashSet<>();
        view.getJsonArray("nodes").forEach(n -> ids.add(((JsonObject) n).getString("id")));
        assertEquals(Set.of("node-1", "node-2", "node-3"), ids);
        JsonArray partitions = view.getJsonArray("partitions");
        assertEquals(PARTITIONS, partitions.size());
        for (int i = 0; i < partitions.size(); i++) {
            JsonObject partition = partitions.getJsonObject(i);
            assertNotNull(partition.getJsonObject("active"), partition.encode());
            assertEquals(2, partition.getJsonArray("standbys").size(), partition.encode());
            assertNotNull(partition.getLong("highWatermark"));
            assertNotNull(partition.getJsonObject("active").getLong("lag"), partition.encode());
        }
        assertEquals(0, view.getJsonArray("problems").size(), view.encodePrettily());
        System.out.println("[read-path] /v1/cluster on node-3:\n" + view.encodePrettily());
    }

    @Test
    void everyCopyOfAPartitionHasTheSameDigestOnceQuiet() throws Exception {
        Token token = writer.put(key("digest"), "d");
        int partition = token.partition();

        TestNodes.awaitTrue("all copies of partition " + partition + " at the same offset and digest",
                Duration.ofSeconds(20), () -> {
                    Set<String> digests = new HashSet<>();
                    Set<String> copies = new HashSet<>();
                    for (TestNodes.Node node : nodes.all()) {
                        HttpReads.Reply reply = http.call(node.url + "/v1/admin/digest?partition=" + partition);
                        if (reply.status() != 200 || reply.body().getLong("offset") < token.offset()) {
                            return false;
                        }
                        digests.add(reply.body().getLong("offset") + "/" + reply.body().getString("sha256"));
                        copies.add(reply.body().getString("copy"));
                    }
                    return digests.size() == 1 && copies.equals(Set.of("active", "standby"));
                });
    }

    @Test
    void singleClientReadLatencyPerConsistency() {
        // Not a benchmark with asserts: prints what a single client sees on this machine.
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String key = key("lat-" + i);
            writer.put(key, "x".repeat(100));
            keys.add(key);
        }
        TestNodes.Node node = nodes.node(0);
        keys.forEach(key -> waitForValue(node, key, "consistency=eventual", "x".repeat(100)));
        List<String> levels = List.of("eventual", "session", "linearizable");
        int n = 400;
        long[][] micros = new long[levels.size()][n];
        for (int i = 0; i < n + 100; i++) { // levels interleaved, so load and JIT weigh on all alike
            for (int level = 0; level < levels.size(); level++) {
                long start = System.nanoTime();
                HttpReads.Reply reply = http.get(node.url, keys.get(i % keys.size()), "consistency=" + levels.get(level));
                long took = (System.nanoTime() - start) / 1000;
                assertEquals(200, reply.status(), reply.toString());
                if (i >= 100) {
                    micros[level][i - 100] = took; // the first 100 warm up
                }
            }
        }
        for (int level = 0; level < levels.size(); level++) {
            long[] sorted = micros[level];
            Arrays.sort(sorted);
            System.out.printf("[read-path] single client, %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)%n",
                    levels.get(level), sorted[n / 2] / 1000.0, sorted[n * 99 / 100] / 1000.0, sorted[n - 1] / 1000.0, n);
        }
        assertNotEquals(0, nodes.node(0).materializer.allNodes().size());
    }

    private HttpReads.Reply waitForValue(TestNodes.Node node, String key, String query, String value) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            HttpReads.Reply reply = http.get(node.url, key, query);
            if (reply.status() == 200 && value.equals(reply.body().getString("value"))) {
                return reply;
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("never saw " + value + " for " + key + " on " + node + ": " + reply);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static void assertBadRequest(HttpReads.Reply reply, String messageStart) {
        assertEquals(400, reply.status(), reply.toString());
        assertEquals("BAD_REQUEST", reply.body().getString("error"));
        assertTrue(reply.body().getString("message").startsWith(messageStart), reply.toString());
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    static int partitionOf(String key) {
        return Topics.partitionOf(key, PARTITIONS);
    }
}
