package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import io.kvlog.kafka.internal.JavaProcess;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
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
 * before the events were produced receives every applied change.
 *
 * <p>The watch test needs {@code GET /v1/watch} (issue 13, written in parallel): until a node
 * serves it, that test fails on its first request.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DirectProducerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    /** The README's separator: the console producer splits a line at its first '|', so keys must not hold one. */
    private static final String SEPARATOR = "|";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SERVED_WITHIN = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    /** Every broker and node process of the cluster, as pid and the path on its command line: none may outlive kv down. */
    private static final Set<Map.Entry<Long, String>> PROCESSES = ConcurrentHashMap.newKeySet();
    private static final Map<Integer, String> URLS = new TreeMap<>();

    private static Path data;
    private static String bootstrapServers;

    @BeforeAll
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    static void up() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        data = Files.createTempDirectory(target, "kv-direct-");
        KvRun up = kv("up", "--brokers", "1", "--nodes", "2", "--partitions", "3");
        recordPids();
        assertEquals(ExitCode.OK, up.exitCode(), up.toString());
        LocalKafkaCluster cluster = LocalKafkaCluster.open(data);
        bootstrapServers = cluster.bootstrapServers();
        for (NodeState node : new LocalNodes(cluster).nodes()) {
            URLS.put(node.id(), node.url());
        }
        assertEquals(Set.of(1, 2), URLS.keySet(), up.toString());
    }

    @AfterAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void down() {
        if (data == null) {
            return;
        }
        recordPids();
        KvRun down = kv("down");
        assertEquals(ExitCode.OK, down.exitCode(), down.toString());
        assertFalse(PROCESSES.isEmpty(), "no process recorded");
        for (Map.Entry<Long, String> process : PROCESSES) {
            assertFalse(JavaProcess.isAlive(process.getKey(), process.getValue()),
                    "pid " + process.getKey() + " (" + process.getValue() + ") still alive after kv down");
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void theConsoleProducersEventsAreServedByEveryNodeAndAMalformedOneIsSkipped() throws Exception {
        // Given each node's counters before
        Map<Integer, JsonNode> before = new HashMap<>();
        for (int node : URLS.keySet()) {
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
        for (int node : URLS.keySet()) {
            assertServed(node, "dp:fruit", "apple pie");
            assertServed(node, "dp:anon", "no id | ünïcode 😀");
            assertAbsent(node, "dp:gone");
            // And the malformed record changed nothing
            assertAbsent(node, "dp:bad");
        }
        // And each node counted the malformed record, the record without a key and the duplicate
        for (int node : URLS.keySet()) {
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
        for (int node : URLS.keySet()) {
            assertServed(node, "dp:bad", "after the bad one");
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aWatcherOpenedBeforehandReceivesEveryAppliedChange() throws Exception {
        // Given a watcher of prefix dw: on node 2, from the start of the log
        try (Watch watch = Watch.open(2, "dw:")) {
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
            Map<String, List<String>> received = watch.changesUntil(expected, SERVED_WITHIN);
            assertEquals(expected, received, "changes of the watch, by key; all messages: " + watch.messages);
            // And a put's or an append's version is its token's offset + 1
            for (JsonNode change : watch.changes()) {
                if (!"delete".equals(change.path("type").asText())) {
                    String[] token = change.path("token").asText().split(":");
                    assertEquals(Long.parseLong(token[1]) + 1, change.path("version").asLong(), change.toString());
                }
                assertTrue(change.path("time").isTextual(), "no time: " + change);
            }
            // And the last versions are those a read of the key answers
            assertEquals(watch.lastVersion("dw:a"), get(2, "dw:a").version(), "dw:a");
        }
    }

    // ---------------------------------------------------------------- the console producer

    /**
     * Runs Kafka's console producer as a process of its own, with the README's options, and feeds
     * it {@code lines} on stdin; returns once it has exited (it flushes and closes its producer at
     * the end of its input). Its output goes to a log file named in every failure.
     */
    private static void consoleProducer(List<String> lines) throws IOException, InterruptedException {
        Path log = Files.createTempFile(data, "console-producer-", ".log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                CONSOLE_PRODUCER, "--bootstrap-server", bootstrapServers, "--topic", Topics.EVENTS,
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
     * A watcher: {@code GET /v1/watch?prefix=P&from=0} read as Server-Sent Events, line by line, on a
     * thread of its own; each message (its {@code event}, {@code id} and {@code data}) is queued.
     */
    private static final class Watch implements AutoCloseable {
        record Message(String event, String id, String data) {
        }

        final BlockingQueue<Message> queue = new LinkedBlockingQueue<>();
        final List<Message> messages = new ArrayList<>();
        final List<JsonNode> changes = new ArrayList<>();
        // opened in open(), closed in close(): closing the lines cancels the response body
        private final Stream<String> lines;
        private final Thread reader;

        private Watch(Stream<String> lines) {
            this.lines = lines;
            this.reader = new Thread(this::read, "watch-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Watch open(int node, String prefix) throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(uri(node, "/v1/watch?prefix=" + encode(prefix) + "&from=0"))
                    .header("Accept", "text/event-stream")
                    .timeout(REQUEST_TIMEOUT) // until the headers; the body streams on
                    .GET().build();
            HttpResponse<Stream<String>> response = HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
            if (response.statusCode() != 200) {
                String body = String.join("\n", response.body().limit(20).toList());
                response.body().close();
                throw new AssertionError("GET /v1/watch on node " + node + " answered " + response.statusCode()
                        + ", expected 200 text/event-stream: " + body);
            }
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (!type.startsWith("text/event-stream")) {
                response.body().close();
                throw new AssertionError("GET /v1/watch answered Content-Type '" + type + "', expected text/event-stream");
            }
            return new Watch(response.body());
        }

        /** Parses the stream: a blank line ends a message; comments (':') are skipped. */
        private void read() {
            String event = null;
            String id = null;
            StringBuilder data = null;
            try {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                        if (data != null || event != null || id != null) {
                            queue.add(new Message(event, id, data == null ? null : data.toString()));
                        }
                        event = null;
                        id = null;
                        data = null;
                    } else if (!line.startsWith(":")) {
                        int colon = line.indexOf(':');
                        String field = colon < 0 ? line : line.substring(0, colon);
                        String value = colon < 0 ? "" : line.substring(colon + 1);
                        value = value.startsWith(" ") ? value.substring(1) : value;
                        switch (field) {
                            case "event" -> event = value;
                            case "id" -> id = value;
                            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                            default -> { } // retry and unknown fields: not ours to check
                        }
                    }
                }
                queue.add(new Message("end-of-stream", null, null));
            } catch (RuntimeException e) {
                // closing the stream ends the read with an exception: that is how a watch is closed
                queue.add(new Message("end-of-stream", null, e.toString()));
            }
        }

        /**
         * The changes received, as {@code "type value id"} by key, once they equal {@code expected}
         * or {@code timeout} passes; fails at once on an {@code error} event or the end of the stream.
         */
        Map<String, List<String>> changesUntil(Map<String, List<String>> expected, Duration timeout)
                throws InterruptedException {
            Map<String, List<String>> byKey = new TreeMap<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!byKey.equals(expected)) {
                long left = deadline - System.nanoTime();
                Message message = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
                if (message == null) {
                    return byKey; // the caller's assertion shows what is missing
                }
                messages.add(message);
                if ("error".equals(message.event()) || "end-of-stream".equals(message.event())) {
                    throw new AssertionError("the watch ended (" + message + ") after " + byKey);
                }
                if (message.event() == null) {
                    assertNotNull(message.id(), "a change without an id (position vector): " + message);
                    JsonNode change = parse(message.data());
                    changes.add(change);
                    byKey.computeIfAbsent(change.path("key").asText(), k -> new ArrayList<>())
                            .add(change.path("type").asText() + " " + text(change.path("value")) + " "
                                    + text(change.path("id")));
                }
            }
            return byKey;
        }

        List<JsonNode> changes() {
            return changes;
        }

        long lastVersion(String key) {
            return changes.stream().filter(c -> key.equals(c.path("key").asText()))
                    .reduce((first, second) -> second).orElseThrow().path("version").asLong();
        }

        private static JsonNode parse(String data) {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("a change whose data is not JSON: " + data, e);
            }
        }

        private static String text(JsonNode node) {
            return node.isNull() || node.isMissingNode() ? "null" : node.asText();
        }

        @Override
        public void close() {
            lines.close();
            try {
                reader.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------- HTTP

    /** A node's answer: {@code status} -1 when it did not answer in time ({@code error} says why). */
    private record Reply(int status, JsonNode body, String error) {
        String value() {
            return body != null && body.path("value").isTextual() ? body.path("value").textValue() : null;
        }

        long version() {
            return body == null ? -1 : body.path("version").asLong(-1);
        }

        @Override
        public String toString() {
            return status < 0 ? "no answer (" + error + ")" : status + " " + body;
        }
    }

    /** A linearizable read (the default consistency). */
    private static Reply get(int node, String key) {
        return send(HttpRequest.newBuilder(uri(node, "/v1/kv/" + encode(key))).GET());
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
        Reply reply = send(HttpRequest.newBuilder(uri(node, "/v1/node")).GET());
        assertEquals(200, reply.status(), "GET /v1/node of node " + node + ": " + reply);
        JsonNode counters = reply.body().path("counters");
        assertTrue(counters.isObject(), "no counters in GET /v1/node of node " + node + ": " + reply);
        return counters;
    }

    private static boolean grewBy(JsonNode before, JsonNode after, String counter, long by) {
        return after.path(counter).asLong() - before.path(counter).asLong() == by;
    }

    private static Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            JsonNode body = response.body().isEmpty() ? null : JSON.readTree(response.body());
            return new Reply(response.statusCode(), body, null);
        } catch (IOException e) {
            return new Reply(-1, null, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(-1, null, "interrupted");
        }
    }

    private static URI uri(int node, String pathAndQuery) {
        return URI.create(URLS.get(node) + pathAndQuery);
    }

    private static String encode(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within " + timeout.toSeconds() + " s: " + what);
            LocalNodes.sleep(250);
        }
    }

    // ---------------------------------------------------------------- the cluster

    private static void recordPids() {
        if (!LocalKafkaCluster.exists(data)) {
            return;
        }
        LocalKafkaCluster cluster = LocalKafkaCluster.open(data);
        LocalNodes nodes = new LocalNodes(cluster);
        cluster.brokers().stream().filter(b -> b.pid() > 0)
                .forEach(b -> PROCESSES.add(Map.entry(b.pid(), cluster.configFile(b.id()).toString())));
        cluster.state().nodes().stream().filter(n -> n.pid() > 0)
                .forEach(n -> PROCESSES.add(Map.entry(n.pid(), nodes.stateDir(n.id()).toString())));
    }

    private static KvRun kv(String... args) {
        String[] withData = Arrays.copyOf(args, args.length + 2);
        withData[args.length] = "--data";
        withData[args.length + 1] = data.toString();
        return KvRun.of(withData);
    }
}
