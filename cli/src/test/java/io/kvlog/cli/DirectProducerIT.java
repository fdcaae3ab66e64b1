package io.kvlog.cli;

import static io.kvlog.cli.ClusterFixture.awaitTrue;
import static io.kvlog.cli.ClusterFixture.encode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvlog.cli.ClusterFixture.Reply;
import io.kvlog.kafka.internal.JavaProcess;
import io.kvlog.node.testing.PrometheusText;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Events written to {@code kv.events} by a producer that is not kvlog's: Kafka's own console
 * producer ({@code org.apache.kafka.tools.ConsoleProducer}, what {@code kafka-console-producer.sh}
 * runs), started as a separate process exactly as the README shows it, on a local cluster of 1
 * broker and 2 nodes (3 partitions). Every node serves the valid events, skips and counts the
 * malformed one and the one without a key, and goes on applying after them; a watcher opened
 * before the events were produced receives every applied change. The same cluster answers a few
 * real requests whose replies are checked against the OpenAPI document it serves.
 *
 * <p>The watch test needs {@code GET /v1/watch} (issue 13, written in parallel): until a node
 * serves it, that test fails on its first request.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DirectProducerIT {

    private static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    /** The README's separator: the console producer splits a line at its first '|', so keys must not hold one. */
    private static final String SEPARATOR = "|";
    private static final Duration SERVED_WITHIN = Duration.ofSeconds(30);
    private static ClusterFixture cluster;

    @BeforeAll
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    static void up() throws IOException {
        cluster = ClusterFixture.up("kv-direct", "--brokers", "1", "--nodes", "2", "--partitions", "3");
        assertEquals(Set.of(1, 2), cluster.nodeIds());
    }

    @AfterAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void down() {
        if (cluster != null) {
            cluster.down();
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theConsoleProducersEventsAreServedByEveryNodeAndAMalformedOneIsSkipped() throws Exception {
        // Given each node's counters before
        Map<Integer, JsonNode> before = new HashMap<>();
        for (int node : cluster.nodeIds()) {
            before.put(node, counters(node));
        }

        // When Kafka's console producer writes, one line each: Insert, Append, the same Append again
        // (its id already applied), Insert then Remove of another key, an Insert without an id, a
        // record whose value is not JSON, and a line without the separator (a record without a key)
        String malformed = "{\"v\":1,\"type\":\"Insert\",\"id\":\"dp-bad\",\"value\":";
        consoleProducer(List.of(
                "dp:fruit|{\"v\":1,\"type\":\"Insert\",\"id\":\"dp-1\",\"value\":\"apple\"}",
                "dp:fruit|{\"v\":1,\"type\":\"Append\",\"id\":\"dp-2\",\"value\":\" pie\"}",
                "dp:fruit|{\"v\":1,\"type\":\"Append\",\"id\":\"dp-2\",\"value\":\" pie\"}",
                "dp:gone|{\"v\":1,\"type\":\"Insert\",\"id\":\"dp-3\",\"value\":\"soon removed\"}",
                "dp:gone|{\"v\":1,\"type\":\"Remove\",\"id\":\"dp-4\"}",
                "dp:anon|{\"v\":1,\"type\":\"Insert\",\"value\":\"no id | ünïcode 😀\"}",
                "dp:bad|" + malformed,
                "a line without the separator has no key"));

        // Then every node serves the valid events with linearizable reads
        for (int node : cluster.nodeIds()) {
            assertServed(node, "dp:fruit", "apple pie");
            assertServed(node, "dp:anon", "no id | ünïcode 😀");
            assertAbsent(node, "dp:gone");
            // And the malformed record changed nothing
            assertAbsent(node, "dp:bad");
        }
        // And each node counted the malformed record, the record without a key and the duplicate
        for (int node : cluster.nodeIds()) {
            int n = node;
            awaitTrue("node " + node + " counts 1 malformed, 1 without a key, 1 duplicate more than before "
                            + before.get(node), SERVED_WITHIN,
                    () -> grewBy(before.get(n), counters(n), "malformed", 1)
                            && grewBy(before.get(n), counters(n), "noKey", 1)
                            && grewBy(before.get(n), counters(n), "duplicates", 1));
        }

        // When one more event is produced for the malformed record's key: its partition, after it
        consoleProducer(List.of("dp:bad|{\"v\":1,\"type\":\"Insert\",\"id\":\"dp-5\",\"value\":\"after the bad one\"}"));

        // Then every node applied past the malformed record and serves it
        for (int node : cluster.nodeIds()) {
            assertServed(node, "dp:bad", "after the bad one");
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aWatcherOpenedBeforehandReceivesEveryAppliedChange() throws Exception {
        // Given a watcher of prefix dw: on node 2, from the start of the log
        try (WatchStream watch = WatchStream.open(cluster.uri(2, "/v1/watch?prefix=" + encode("dw:") + "&from=0"))) {
            // When the console producer writes an Insert, an Append, a Remove, an Insert without id,
            // a Remove of a key never written (not a change) followed by an Insert of that key, and a
            // malformed record followed by an Insert of its key
            consoleProducer(List.of(
                    "dw:a|{\"v\":1,\"type\":\"Insert\",\"id\":\"dw-1\",\"value\":\"x\"}",
                    "dw:a|{\"v\":1,\"type\":\"Append\",\"id\":\"dw-2\",\"value\":\"yz\"}",
                    "dw:b|{\"v\":1,\"type\":\"Insert\",\"id\":\"dw-3\",\"value\":\"b\"}",
                    "dw:b|{\"v\":1,\"type\":\"Remove\",\"id\":\"dw-4\"}",
                    "dw:c|{\"v\":1,\"type\":\"Insert\",\"value\":\"no id\"}",
                    "dw:never|{\"v\":1,\"type\":\"Remove\",\"id\":\"dw-5\"}",
                    "dw:never|{\"v\":1,\"type\":\"Insert\",\"id\":\"dw-6\",\"value\":\"now\"}",
                    "dw:bad|not json",
                    "dw:bad|{\"v\":1,\"type\":\"Insert\",\"id\":\"dw-7\",\"value\":\"good\"}"));

            // Then it receives each key's applied changes in order, and nothing else for them (the
            // events of a key are in one partition: a change it should not deliver would come first)
            Map<String, List<String>> expected = new TreeMap<>(Map.of(
                    "dw:a", List.of("put x dw-1", "append yz dw-2"),
                    "dw:b", List.of("put b dw-3", "delete null dw-4"),
                    "dw:c", List.of("put no id null"),
                    "dw:never", List.of("put now dw-6"),
                    "dw:bad", List.of("put good dw-7")));
            List<JsonNode> changes = new ArrayList<>();
            Map<String, List<String>> received = changesUntil(watch, expected, SERVED_WITHIN, changes);
            assertEquals(expected, received, "changes of the watch, by key; all events: " + watch.events);
            // And a put's or an append's version is its token's offset + 1
            for (JsonNode change : changes) {
                if (!"delete".equals(change.path("type").asText())) {
                    String[] token = change.path("token").asText().split(":");
                    assertEquals(Long.parseLong(token[1]) + 1, change.path("version").asLong(), change.toString());
                }
                assertTrue(change.path("time").isTextual(), "no time: " + change);
            }
            // And the last versions are those a read of the key answers
            assertEquals(lastVersion(changes, "dw:a"), get(2, "dw:a").version(), "dw:a");
        }
    }

    @Test
    @Order(3)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void realRepliesMatchTheSchemasOfTheServedOpenApiDocument() {
        // Given the OpenAPI document node 1 serves
        Reply served = call(1, "/v1/openapi.json");
        assertEquals(200, served.status(), "GET /v1/openapi.json: " + served);
        OpenApiReplies api = new OpenApiReplies(served.body());
        String key = encode("oa:k");

        // When real requests are sent, then each reply's status and body are as the document says
        Reply put = cluster.put(1, "oa:k", "v1", "oa-1", "applied");
        assertEquals(200, put.status(), put.toString());
        api.assertMatches("PUT", "/v1/kv/{key}", put);
        api.assertMatches("PUT", "/v1/kv/{key}", cluster.send(HttpRequest.newBuilder(
                cluster.uri(1, "/v1/kv/" + key + "?if-version=0")).PUT(HttpRequest.BodyPublishers.ofString("no"))));
        api.assertMatches("POST", "/v1/kv/{key}/append", cluster.append(1, "oa:k", "+", "oa-2"));
        Reply found = cluster.get(2, "/v1/kv/%s", key);
        assertEquals(200, found.status(), found.toString());
        api.assertMatches("GET", "/v1/kv/{key}", found);
        Reply missing = cluster.get(2, "/v1/kv/%s", encode("oa:missing"));
        assertEquals(404, missing.status(), missing.toString());
        api.assertMatches("GET", "/v1/kv/{key}", missing);
        api.assertMatches("GET", "/v1/kv/{key}", cluster.get(2, "/v1/kv/%s?version=%d", key, put.version()));
        Reply bad = cluster.get(2, "/v1/kv/%s?consistency=strong", key);
        assertEquals(400, bad.status(), bad.toString());
        api.assertMatches("GET", "/v1/kv/{key}", bad);
        api.assertMatches("GET", "/v1/kv", cluster.get(2, "/v1/kv?prefix=%s&limit=1", encode("oa:")));
        api.assertMatches("GET", "/v1/kv/{key}/history", cluster.get(2, "/v1/kv/%s/history", key));
        api.assertMatches("POST", "/v1/ops", cluster.send(HttpRequest.newBuilder(cluster.uri(1, "/v1/ops"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[{\"op\":\"Insert\",\"key\":\"oa:o\",\"value\":\"1\"},"
                        + "{\"op\":\"Get\",\"key\":\"oa:o\"}]"))));
        api.assertMatches("DELETE", "/v1/kv/{key}", cluster.send(HttpRequest.newBuilder(
                cluster.uri(1, "/v1/kv/" + encode("oa:o"))).DELETE()));
        api.assertMatches("POST", "/v1/watch/{id}/progress", cluster.send(HttpRequest.newBuilder(
                cluster.uri(1, "/v1/watch/no-such-watch/progress")).POST(HttpRequest.BodyPublishers.noBody())));
        for (String path : List.of("/v1/cluster", "/v1/node", "/v1/health", "/v1/ready")) {
            api.assertMatches("GET", path, call(2, path));
        }
        api.assertMatches("GET", "/v1/admin/digest", call(2, "/v1/admin/digest?partition=0"));

        // And the check is real: a GetResult without its version is refused
        assertFalse(api.errors("GET", "/v1/kv/{key}", 200,
                "{\"result\":\"GetResult\",\"key\":\"k\",\"value\":\"v\",\"token\":\"0:1\",\"id\":null}").isEmpty());
    }

    @Test
    @Order(4)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void metricsCountTheWritesTheirApplyAndAMalformedEventOnEveryNode() throws Exception {
        // Given each node's /metrics before, parsed as the text format
        Map<Integer, PrometheusText> before = new HashMap<>();
        for (int node : cluster.nodeIds()) {
            before.put(node, scrape(node));
        }
        Map<String, String> puts = Map.of("route", "/v1/kv/:key", "method", "PUT", "code", "200");

        // When 20 keys are put through node 1, each acked once applied, and a malformed record is produced
        int writes = 20;
        for (int i = 0; i < writes; i++) {
            Reply ack = cluster.put(1, "dm:" + i, "v" + i, "dm-" + i, "applied");
            assertTrue(ack.acked(), "put dm:" + i + ": " + ack);
        }
        consoleProducer(List.of("dm:bad|not an event"));

        // Then node 1 counts 20 more PUTs on their route, 20 more acked writes, and sent 20 more records
        PrometheusText after = scrape(1);
        assertEquals(writes, delta(before.get(1), after, "vertx_http_server_requests_total", puts), 0.0);
        // (one series per status: an earlier test's conditional put answered 412 on this route)
        assertTrue(after.find("vertx_http_server_response_time_seconds_bucket", Map.of("route", "/v1/kv/:key",
                "method", "PUT", "code", "200", "le", "+Inf")).size() == 1, "no latency histogram of PUT /v1/kv/:key");
        assertEquals(writes, delta(before.get(1), after, "kvlog_writes_total", Map.of("outcome", "acked")), 0.0);
        assertTrue(delta(before.get(1), after, "kafka_producer_record_send_total", Map.of()) >= writes,
                "the writer's producer sent fewer records than writes acked");
        // And every node (node 2 got no write) applied at least the 20 events and counted the malformed one,
        // its applied positions moving with them
        for (int node : cluster.nodeIds()) {
            int n = node;
            awaitTrue("node " + node + " counts the 20 applied events and the malformed record", SERVED_WITHIN, () -> {
                PrometheusText now = scrape(n);
                return delta(before.get(n), now, "kvlog_apply_events_total", Map.of("result", "applied")) >= writes
                        && delta(before.get(n), now, "kvlog_apply_events_total", Map.of("result", "malformed")) >= 1
                        && delta(before.get(n), now, "kvlog_applied_position", Map.of()) >= writes + 1;
            });
            // And, once a scrape has had the high watermarks looked up, each partition's is its applied position + 1:
            // no lag
            awaitTrue("node " + node + " reports every partition's high watermark and no lag", SERVED_WITHIN, () -> {
                PrometheusText now = scrape(n);
                for (int p = 0; p < 3; p++) {
                    Map<String, String> partition = Map.of("partition", Integer.toString(p));
                    if (now.value("kvlog_high_watermark", partition) != now.value("kvlog_applied_position", partition) + 1
                            || now.value("kvlog_lag", partition) != 0) {
                        return false;
                    }
                }
                return true;
            });
            PrometheusText now = scrape(node);
            assertEquals(3, now.find("kvlog_applied_position", Map.of()).size(), "one position per partition");
            assertEquals(0, now.value("kvlog_apply_waiters", Map.of()), 0.0, "waiters left with nothing in flight");
            assertTrue(now.sum("jvm_memory_used_bytes", Map.of()) > 0, "no JVM memory on node " + node);
            // the copy's RocksDB store, through the Kafka Streams binder: it holds at least the 20 keys
            assertTrue(now.value("kafka_stream_state_estimate_num_keys", Map.of("rocksdb_state_id", "kv-copy")) >= writes,
                    "no RocksDB key estimate on node " + node);
        }
    }

    /** {@code GET /metrics} of a node, parsed strictly as the Prometheus text format. */
    private static PrometheusText scrape(int node) {
        Reply reply = cluster.send(java.net.http.HttpRequest.newBuilder(cluster.uri(node, "/metrics")).GET()
                .header("Accept", "text/plain"), false);
        assertEquals(200, reply.status(), "GET /metrics of node " + node + ": " + reply);
        return PrometheusText.parse(reply.response().body());
    }

    /** How much the samples named {@code name} with {@code labels} grew from {@code before} to {@code after}. */
    private static double delta(PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    // ---------------------------------------------------------------- the console producer

    /**
     * Runs Kafka's console producer as a process of its own, with the README's options, and feeds
     * it {@code lines} on stdin; returns once it has exited (it flushes and closes its producer at
     * the end of its input). Its output goes to a log file named in every failure.
     */
    private static void consoleProducer(List<String> lines) throws IOException, InterruptedException {
        Path log = Files.createTempFile(cluster.data, "console-producer-", ".log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                CONSOLE_PRODUCER, "--bootstrap-server", cluster.bootstrapServers(), "--topic", Topics.EVENTS,
                "--reader-property", "parse.key=true", "--reader-property", "key.separator=" + SEPARATOR,
                // a line without the separator is sent as a record without a key, rather than stopping the producer
                "--reader-property", "ignore.error=true");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // the test class path holds kafka-tools; through the environment, as JavaProcess passes it
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        Process producer = builder.start();
        try {
            try (OutputStream stdin = producer.getOutputStream()) {
                stdin.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(producer.waitFor(60, TimeUnit.SECONDS), "the console producer (pid " + producer.pid()
                    + ") did not exit within 60 s" + JavaProcess.tail(log));
            assertEquals(0, producer.exitValue(), "the console producer failed" + JavaProcess.tail(log));
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertFalse(output.contains("ERROR"), "the console producer logged an error" + JavaProcess.tail(log));
        } finally {
            if (producer.isAlive()) {
                JavaProcess.kill(producer.toHandle()); // ours, by its pid
            }
        }
    }

    // ---------------------------------------------------------------- the watch

    /**
     * The watch's changes from its first event on, as {@code "type value id"} by key, once they
     * equal {@code expected} or {@code timeout} passes (the caller's assertion shows what is
     * missing); fails at once on an {@code error} event, the end of the stream, or a change without
     * an id. Each change read is added to {@code changes}, in order.
     */
    private static Map<String, List<String>> changesUntil(WatchStream watch, Map<String, List<String>> expected,
                                                         Duration timeout, List<JsonNode> changes) {
        Map<String, List<String>> byKey = new TreeMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int next = 0; !byKey.equals(expected); next++) {
            long left = deadline - System.nanoTime();
            WatchStream.Event event = left <= 0 ? null : watch.await(next, Duration.ofNanos(left));
            if (event == null) {
                if (watch.ended()) {
                    throw new AssertionError("the watch ended (" + watch.endReason() + ") after " + byKey);
                }
                return byKey;
            }
            if (event.event().equals("error")) {
                throw new AssertionError("the watch ended (" + event + ") after " + byKey);
            }
            if (event.isChange()) {
                assertNotNull(event.id(), "a change without an id (position vector): " + event);
                JsonNode change = event.data();
                changes.add(change);
                byKey.computeIfAbsent(change.path("key").asText(), k -> new ArrayList<>())
                        .add(change.path("type").asText() + " " + text(change.path("value")) + " "
                                + text(change.path("id")));
            }
        }
        return byKey;
    }

    private static long lastVersion(List<JsonNode> changes, String key) {
        return changes.stream().filter(c -> key.equals(c.path("key").asText()))
                .reduce((first, second) -> second).orElseThrow().path("version").asLong();
    }

    private static String text(JsonNode node) {
        return node.isNull() || node.isMissingNode() ? "null" : node.asText();
    }

    // ---------------------------------------------------------------- HTTP

    /** GET {@code path} of a node as it is (ClusterFixture.get(node, String) reads a key). */
    private static Reply call(int node, String path) {
        return cluster.send(HttpRequest.newBuilder(cluster.uri(node, path)).GET());
    }

    /** A linearizable read (the default consistency: no consistency parameter). */
    private static Reply get(int node, String key) {
        return cluster.get(node, "/v1/kv/%s", encode(key));
    }

    private static void assertServed(int node, String key, String value) {
        Reply read = get(node, key);
        assertEquals(200, read.status(), "node " + node + ", key " + key + ": " + read);
        assertEquals(value, read.value(), "node " + node + ", key " + key + ": " + read);
        assertTrue(read.version() > 0, "node " + node + ", key " + key + ": " + read);
    }

    private static void assertAbsent(int node, String key) {
        Reply read = get(node, key);
        assertEquals(404, read.status(), "node " + node + ", key " + key + ": " + read);
        assertTrue(read.body().path("value").isNull(), "node " + node + ", key " + key + ": " + read);
    }

    /** The apply counters of GET /v1/node. */
    private static JsonNode counters(int node) {
        JsonNode info = cluster.nodeInfo(node);
        JsonNode counters = info.path("counters");
        assertTrue(counters.isObject(), "no counters in GET /v1/node of node " + node + ": " + info);
        return counters;
    }

    private static boolean grewBy(JsonNode before, JsonNode after, String counter, long by) {
        return after.path(counter).asLong() - before.path(counter).asLong() == by;
    }
}
