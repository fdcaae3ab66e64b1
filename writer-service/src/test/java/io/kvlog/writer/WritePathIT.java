package io.kvlog.writer;

import static io.kvlog.writer.testing.KvClient.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.kafka.testing.SharedKafkaCluster;
import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.materializer.Read;
import io.kvlog.materializer.Replayer;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.Topics;
import io.kvlog.http.faults.FaultyProxy;
import io.kvlog.writer.testing.KvClient;
import io.kvlog.writer.testing.KvClient.Reply;
import io.kvlog.writer.testing.KvNodes;
import io.kvlog.writer.testing.LogReader;
import io.kvlog.writer.testing.LogReader.LogEvent;
import io.kvlog.writer.testing.OneShotHttp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The write path over real HTTP: three in-process nodes (materializer + writer each) on the
 * shared 3-broker cluster; what the writer answers is checked against the log itself and
 * against every copy of the state.
 */
@Tag("integration")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WritePathIT {

    static final int PARTITIONS = 6;
    static final Duration PATIENCE = Duration.ofSeconds(30);

    static TestKafkaCluster kafka;
    static KvNodes nodes;
    static LogReader log;
    final KvClient client = new KvClient();

    @BeforeAll
    static void startNodes() {
        kafka = SharedKafkaCluster.get();
        kafka.createEventsTopic(PARTITIONS);
        nodes = KvNodes.start(kafka.bootstrapServers(), PARTITIONS, 3, "writer-it", c -> c, Duration.ofSeconds(120));
        log = new LogReader(kafka.bootstrapServers());
        warmUp();
    }

    /**
     * One acked wait=all write per partition before the tests: the first writes of a fresh
     * cluster pay for producer ids, transactions and JIT, on this 2-core machine far beyond 1 s.
     */
    static void warmUp() {
        KvClient client = new KvClient();
        for (int p = 0; p < PARTITIONS; p++) {
            String key = keyIn(p, "warm-up");
            try {
                KvClient.untilAcked(() -> client.put(nodes.node(0).url(), key, "w", params("id", key, "wait", "all")),
                        Duration.ofSeconds(90));
            } catch (AssertionError e) {
                System.out.println(KvNodes.streamThreadStacks());
                throw new AssertionError("warm-up of partition " + p + " failed; nodes: " + nodes.placement(), e);
            }
        }
    }

    @AfterAll
    static void stopNodes() {
        if (log != null) {
            log.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"log", "applied", "all"})
    void anAckedWriteIsOnTheLogAtItsVersionWithItsId(String wait) {
        // Given a key and an id
        String key = "ack-" + wait;
        String id = "ack-id-" + wait;
        int partition = Topics.partitionOf(key, PARTITIONS);

        // When it is written through a node with wait=<level> (retried with the same id while not confirmed)
        Reply reply = ackedWithRetries(client,
                () -> client.put(nodes.node(1).url(), key, "value-" + wait, params("id", id, "wait", wait)));

        // Then the reply is an OperationAck naming the id and key, served by the node asked
        assertEquals("OperationAck", reply.str("result"));
        assertEquals(id, reply.str("id"));
        assertEquals(key, reply.str("key"));
        assertEquals(nodes.node(1).id(), reply.header("X-KV-Node"));
        // and the log holds the event at offset == version, with that key, id and value
        long version = reply.num("version");
        assertEvent(partition, version, key, id, "Insert", "value-" + wait);
        // and the token is partition:offset of this request's event (== version unless a retry was needed)
        String[] token = reply.str("token").split(":");
        assertEquals(partition, Integer.parseInt(token[0]), reply.str("token"));
        long tokenOffset = Long.parseLong(token[1]);
        assertTrue(tokenOffset >= version, reply.toString());
        assertEvent(partition, tokenOffset, key, id, "Insert", "value-" + wait);
        // and a read waiting for the token sees the write on every copy
        for (KvNodes.Node node : nodes.nodes()) {
            Entry entry = awaitEntry(node.materializer(), key, partition, tokenOffset);
            assertEquals("value-" + wait, entry.value(), node.id());
            assertEquals(version, entry.version(), node.id());
        }
    }

    @Test
    void aDeleteIsAckedWithItsVersionAlsoForAMissingKey() {
        // Given a present key and a missing one
        String key = "delete-me";
        ackedWithRetries(client, () -> client.put(nodes.node(0).url(), key, "v", params("id", "del-put")));

        // When both are deleted with wait=applied
        Reply deleted = ackedWithRetries(client,
                () -> client.delete(nodes.node(2).url(), key, params("id", "del-1", "wait", "applied")));
        Reply missing = ackedWithRetries(client,
                () -> client.delete(nodes.node(2).url(), "never-written", params("id", "del-2", "wait", "applied")));

        // Then both are acked, each a Remove on the log at its version
        assertEvent(Topics.partitionOf(key, PARTITIONS), deleted.num("version"), key, "del-1", "Remove", null);
        assertEvent(Topics.partitionOf("never-written", PARTITIONS), missing.num("version"), "never-written",
                "del-2", "Remove", null);
    }

    @Test
    void conditionalWritesAreDecidedWhenApplied() {
        String key = "cond-1";
        // Given an absent key, When it is written with if-version=0, Then it is acked
        Reply created = client.put(nodes.node(0).url(), key, "v1", params("id", "cond-a", "if-version", "0"));
        assertEquals(200, created.status(), created.toString());
        long version = created.num("version");

        // When it is written with a wrong version, Then 412 with the current version, and nothing changed
        Reply wrong = client.put(nodes.node(1).url(), key, "v2", params("id", "cond-b", "if-version",
                Long.toString(version + 1)));
        assertEquals(412, wrong.status(), wrong.toString());
        assertEquals("PreconditionFailed", wrong.str("result"));
        assertEquals("cond-b", wrong.str("id"));
        assertEquals(version, wrong.num("currentVersion"));

        // When it is written with the right version, Then it is acked at a newer version
        Reply right = client.put(nodes.node(2).url(), key, "v3", params("id", "cond-c", "if-version",
                Long.toString(version)));
        assertEquals(200, right.status(), right.toString());
        assertTrue(right.num("version") > version);

        // When an absent key is written with if-exists=true, Then 412 with currentVersion 0
        Reply absent = client.put(nodes.node(0).url(), "cond-absent", "v", params("id", "cond-d", "if-exists", "true"));
        assertEquals(412, absent.status(), absent.toString());
        assertEquals(0L, absent.num("currentVersion"));

        // and the state is what the acked writes made it
        int partition = Topics.partitionOf(key, PARTITIONS);
        assertEquals("v3", awaitEntry(nodes.node(0).materializer(), key, partition, right.num("version")).value());
    }

    @Test
    void concurrentIfVersionWritersOnOneKeyExactlyOneWinsPerVersion() throws Exception {
        // Given a key at some version, and 6 writers (two per node)
        String key = "cas-1";
        long version = client.put(nodes.node(0).url(), key, "start", params("id", "cas-start", "wait", "applied"))
                .num("version");
        ExecutorService writers = Executors.newFixedThreadPool(6);
        try {
            for (int round = 0; round < 3; round++) {
                long expected = version;
                int r = round;
                // When all write with if-version=<current version> at once
                List<CompletableFuture<Reply>> replies = IntStream.range(0, 6)
                        .mapToObj(w -> CompletableFuture.supplyAsync(() -> client.put(nodes.node(w % 3).url(), key,
                                "r" + r + "-w" + w, params("id", "cas-" + r + "-" + w, "if-version",
                                        Long.toString(expected))), writers))
                        .toList();
                List<Reply> done = new ArrayList<>();
                for (CompletableFuture<Reply> f : replies) {
                    done.add(f.get(30, TimeUnit.SECONDS));
                }
                // Then exactly one wins; every other one is told the winner's version
                List<Reply> winners = done.stream().filter(d -> d.status() == 200).toList();
                assertEquals(1, winners.size(), done.toString());
                long won = winners.get(0).num("version");
                for (Reply loser : done) {
                    if (loser.status() != 200) {
                        assertEquals(412, loser.status(), loser.toString());
                        assertEquals(won, loser.num("currentVersion"), loser.toString());
                    }
                }
                version = won;
            }
        } finally {
            writers.shutdownNow();
        }
    }

    static Stream<Arguments> badInputs() {
        String longKey = "k".repeat(1025);
        String longId = "i".repeat(129);
        byte[] notUtf8 = {(byte) 0xC3, (byte) 0x28};
        byte[] tooBig = new byte[1024 * 1024 + 1];
        return Stream.of(
                bad("empty key", "PUT", "/v1/kv/", "text/plain", "v", 400, "BAD_REQUEST", "key: must be 1-1024 bytes"),
                bad("empty key delete", "DELETE", "/v1/kv/", null, null, 400, "BAD_REQUEST", "key: must be 1-1024 bytes"),
                bad("oversized key", "PUT", "/v1/kv/" + longKey, "text/plain", "v", 400, "BAD_REQUEST",
                        "got 1025 bytes"),
                bad("control character in key", "PUT", "/v1/kv/a%01b", "text/plain", "v", 400, "BAD_REQUEST",
                        "must not contain control characters, got U+0001"),
                bad("oversized value", "PUT", "/v1/kv/k", "text/plain", tooBig, 413, "TOO_LARGE",
                        "at most 1048576 bytes"),
                bad("oversized suffix", "POST", "/v1/kv/k/append", "text/plain", tooBig, 413, "TOO_LARGE",
                        "at most 1048576 bytes"),
                bad("value not UTF-8", "PUT", "/v1/kv/k", "text/plain", notUtf8, 400, "BAD_REQUEST", "value"),
                bad("invalid id", "PUT", "/v1/kv/k?id=a%20b", "text/plain", "v", 400, "BAD_REQUEST",
                        "id: must be 1-128 chars of [A-Za-z0-9._:-], got 'a b'"),
                bad("id too long", "DELETE", "/v1/kv/k?id=" + longId, null, null, 400, "BAD_REQUEST",
                        "id: must be 1-128 chars"),
                bad("unknown wait", "PUT", "/v1/kv/k?wait=soon", "text/plain", "v", 400, "BAD_REQUEST",
                        "wait: must be one of log, applied, all, got 'soon'"),
                bad("negative if-version", "PUT", "/v1/kv/k?if-version=-1", "text/plain", "v", 400, "BAD_REQUEST",
                        "if-version: must be a whole number >= 0, got '-1'"),
                bad("text if-version", "DELETE", "/v1/kv/k?if-version=abc", null, null, 400, "BAD_REQUEST",
                        "if-version: must be a whole number >= 0, got 'abc'"),
                bad("bad if-exists", "PUT", "/v1/kv/k?if-exists=maybe", "text/plain", "v", 400, "BAD_REQUEST",
                        "if-exists: must be true or false, got 'maybe'"),
                bad("image content type", "PUT", "/v1/kv/k", "image/png", "v", 415, "UNSUPPORTED_MEDIA_TYPE",
                        "Content-Type"),
                bad("latin-1 charset", "POST", "/v1/kv/k/append", "text/plain; charset=iso-8859-1", "v", 415,
                        "UNSUPPORTED_MEDIA_TYPE", "Content-Type"),
                bad("PATCH", "PATCH", "/v1/kv/k", "text/plain", "v", 405, "METHOD_NOT_ALLOWED", "PATCH is not supported"),
                bad("POST on a key", "POST", "/v1/kv/k", "text/plain", "v", 405, "METHOD_NOT_ALLOWED",
                        "POST is not supported"),
                bad("unknown path", "POST", "/v1/kv/k/prepend", "text/plain", "v", 404, "NOT_FOUND", "no such path"));
    }

    private static Arguments bad(String name, String method, String path, String contentType, Object body, int status,
                                 String code, String message) {
        byte[] bytes = body == null ? null
                : body instanceof byte[] b ? b : ((String) body).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return Arguments.of(name, method, path, contentType, bytes, status, code, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputIsRefusedNamingTheProblemAndAppendsNothing(String name, String method, String path,
                                                            String contentType, byte[] body, int status, String code,
                                                            String message) {
        // Given the log's end offsets
        Map<Integer, Long> before = log.endOffsets();

        // When a bad request arrives
        Reply reply = client.send(method, nodes.node(0).url() + path, contentType, body);

        // Then it is refused with the status, an error code and a message naming the problem
        assertEquals(status, reply.status(), reply.toString());
        assertNotNull(reply.json(), "not JSON: " + reply.body());
        assertEquals(code, reply.str("error"), reply.toString());
        assertTrue(reply.str("message").contains(message), reply.str("message"));
        // and nothing was appended
        assertEquals(before, log.endOffsets());
    }

    @Test
    void anAppendPastTheStoredValueLimitIs413AndChangesNothing() {
        // Given a key holding 700,000 bytes
        String big = "x".repeat(700_000);
        Reply first = client.append(nodes.node(0).url(), "too-large", big, params("id", "too-large-1"));
        assertEquals(200, first.status(), first.toString());

        // When an append would grow it past 1 MiB
        Reply second = client.append(nodes.node(1).url(), "too-large", big, params("id", "too-large-2"));

        // Then it is refused with 413 naming the limit, and the key keeps its version
        assertEquals(413, second.status(), second.toString());
        assertEquals("TOO_LARGE", second.str("error"), second.toString());
        assertTrue(second.str("message").contains("1048576"), second.toString());
        assertEquals(first.num("version"), second.num("currentVersion"), second.toString());
    }

    @Test
    void aValueOfExactlyMaxValueBytesIsStored() {
        // Given a value of exactly max-value-bytes (1 MiB), which the contract accepts
        String value = "v".repeat(1024 * 1024);

        // When it is written
        Reply reply = client.put(nodes.node(0).url(), "max-value", value, params("id", "max-value-1"));

        // Then it is acked
        assertEquals(200, reply.status(), reply.status() + " " + reply.str("reason"));
    }

    @Test
    void concurrentAppendersThroughDifferentNodesEachLandOnceInTheirOrderAndEveryCopyAgrees() throws Exception {
        // Given one key and three clients, each on its own node, with 50 distinct elements each
        String key = "concurrent-appends";
        int partition = Topics.partitionOf(key, PARTITIONS);
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<CompletableFuture<Void>> running = new ArrayList<>();

        // When they append concurrently, each element retried with its id until acked
        for (int c = 0; c < 3; c++) {
            int clientNo = c;
            running.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 50; i++) {
                    String element = "c" + clientNo + "-" + i + ";";
                    String id = "conc-" + clientNo + "-" + i;
                    ackedWithRetries(client,
                            () -> client.append(nodes.node(clientNo).url(), key, element, params("id", id)));
                }
            }, clients));
        }
        for (CompletableFuture<Void> f : running) {
            f.get(150, TimeUnit.SECONDS);
        }
        clients.shutdown();

        // Then, once every copy has applied the whole partition, the value holds each element once,
        // each client's in its own order
        long end = log.endOffsets().get(partition);
        Map<String, Digest> digests = nodes.digestsAt(partition, end, PATIENCE);
        String value = awaitEntry(nodes.node(0).materializer(), key, partition, end - 1).value();
        List<String> elements = List.of(value.split(";"));
        assertEquals(150, elements.size(), value);
        assertEquals(150, new HashSet<>(elements).size(), value);
        for (int c = 0; c < 3; c++) {
            String prefix = "c" + c + "-";
            List<String> own = elements.stream().filter(e -> e.startsWith(prefix)).toList();
            assertEquals(IntStream.range(0, 50).mapToObj(i -> prefix + i).toList(), own);
        }
        // and every copy's digest agrees, with each other and with a replay of the log
        assertEquals(nodes.copiesPerPartition(), digests.size(), digests.toString());
        Set<String> hashes = digests.values().stream().map(Digest::sha256).collect(Collectors.toSet());
        assertEquals(1, hashes.size(), digests.toString());
        Digest replayed = new Replayer(MaterializerConfig.DEFAULT_DEDUPE_WINDOW, PATIENCE)
                .replay(kafka.bootstrapServers(), partition, end, report -> { }).digest();
        assertEquals(hashes.iterator().next(), replayed.sha256(), "replay " + replayed + " vs copies " + digests);
    }

    @Test
    void manyWritesWaitingForTheirApplyAtOnceNeverDeadlockTheMaterializer() throws Exception {
        // Given 8 clients spread over the nodes, whose writes wait for the apply while the copies apply
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Void>> running = new ArrayList<>();

        // When each makes 25 appends with wait=applied to keys over every partition
        for (int c = 0; c < 8; c++) {
            int clientNo = c;
            running.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 25; i++) {
                    String key = "stress-" + clientNo + "-" + i % 6;
                    String id = "stress-" + clientNo + "-" + i;
                    KvClient.untilAcked(() -> client.append(nodes.node(clientNo % 3).url(), key, "x",
                            params("id", id, "wait", "applied")), Duration.ofSeconds(60));
                }
            }, clients));
        }
        for (CompletableFuture<Void> f : running) {
            f.get(150, TimeUnit.SECONDS);
        }
        clients.shutdown();

        // Then no thread of this JVM is deadlocked (Kafka Streams 4.3.1 deadlocks a query with a
        // put unless the materializer orders them: KAFKA-19629)
        long[] deadlocked = java.lang.management.ManagementFactory.getThreadMXBean().findMonitorDeadlockedThreads();
        assertEquals(null, deadlocked, KvNodes.streamThreadStacks());
        // and every partition's active copy still applies
        for (int p = 0; p < PARTITIONS; p++) {
            String key = keyIn(p, "after-stress");
            int node = p % 3;
            ackedWithRetries(client, () -> client.put(nodes.node(node).url(), key, "v", params("id", key,
                    "wait", "applied")));
        }
    }

    @Test
    void appendsRetriedThroughAFaultyNetworkTakeEffectExactlyOnceInOrder() throws Exception {
        // Given a proxy in front of node 1 that drops 10% of connections and 20% of replies
        String key = "at-most-once";
        int partition = Topics.partitionOf(key, PARTITIONS);
        KvNodes.Node node = nodes.node(0);
        StringBuilder expected = new StringBuilder();
        String lastValue = null;
        int attempts = 0;
        try (FaultyProxy proxy = FaultyProxy.start("127.0.0.1", node.port(),
                new FaultyProxy.Faults(0.1, 0.2, 20261122L), 4)) {
            // When a client appends 100 distinct elements in turn, each with its own id,
            // retrying with the same id until it gets an ack
            for (int i = 0; i < 100; i++) {
                String element = String.format("e%03d,", i);
                expected.append(element);
                String path = "/v1/kv/" + key + "/append?id=amo-" + i;
                OneShotHttp.Reply acked = null;
                for (int attempt = 0; acked == null; attempt++) {
                    assertTrue(attempt < 30, "element " + i + " not acked after 30 attempts");
                    attempts++;
                    try {
                        OneShotHttp.Reply reply = OneShotHttp.send("127.0.0.1", proxy.port(), "POST", path,
                                "text/plain", element, Duration.ofSeconds(5));
                        if (reply.status() == 200) {
                            acked = reply;
                        } else {
                            assertTrue(reply.status() == 504 || reply.status() == 503, reply.toString());
                        }
                    } catch (IOException dropped) {
                        // the outcome is unknown: retry with the same id
                    }
                }
                // each ack carries the value after its append: everything so far, once each
                lastValue = acked.json().getString("value");
                assertEquals(expected.toString(), lastValue, "after element " + i);
            }
            FaultyProxy.Counts counts = proxy.counts();
            // the faults did happen, so retries of appends that had taken effect were made
            assertTrue(counts.droppedReplies() >= 5 && counts.droppedBeforeForward() >= 3, counts.toString());
            System.out.println("at-most-once: " + attempts + " attempts for 100 appends, " + counts);
        }

        // Then the state holds every element exactly once, in order
        long end = log.endOffsets().get(partition);
        assertEquals(expected.toString(), awaitEntry(node.materializer(), key, partition, end - 1).value());
        // and the log holds more append events than elements: the duplicates that were skipped
        long appendEvents = log.read(partition, 0, end, PATIENCE).stream()
                .filter(e -> key.equals(e.key())).count();
        assertTrue(appendEvents > 100, appendEvents + " events for 100 elements");
    }

    @Test
    void writesBeyondMaxInFlightWaitingForAnApplyThatCannotComeGet503() throws Exception {
        // Given a writer that takes 2 writes at once, on a node whose materializer is not running
        Path stateDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "unstarted-");
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        String url = "http://127.0.0.1:" + server.actualPort();
        Replies.install(router, new NodeIdentity("node-slow", url));
        try (Materializer unstarted = new Materializer(MaterializerConfig.defaults(kafka.bootstrapServers(), stateDir,
                "127.0.0.1:" + server.actualPort()).withApplicationId("writer-it-unstarted"));
             WriterService writer = new WriterService(vertx, WriterConfig.defaults(kafka.bootstrapServers())
                     .withMaxInFlight(2), unstarted)) {
            writer.mount(router);
            // When 2 writes with wait=applied are in flight
            List<CompletableFuture<Reply>> inFlight = List.of(
                    CompletableFuture.supplyAsync(() -> client.put(url, "bp-1", "v", params("wait", "applied"))),
                    CompletableFuture.supplyAsync(() -> client.put(url, "bp-2", "v", params("wait", "applied"))));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (writer.inFlight() < 2 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(2, writer.inFlight());
            // and a third arrives
            Reply excess = client.put(url, "bp-3", "v", params("wait", "applied"));

            // Then the third gets 503 with Retry-After at once
            assertEquals(503, excess.status(), excess.toString());
            assertEquals("OVERLOADED", excess.str("error"));
            assertEquals("1", excess.header("Retry-After"));
            // and the two in flight fail at their deadline, saying that no copy confirmed
            for (CompletableFuture<Reply> f : inFlight) {
                Reply failed = f.get(10, TimeUnit.SECONDS);
                assertEquals(504, failed.status(), failed.toString());
                assertTrue(failed.str("reason").contains("partition") && failed.str("reason").contains("in time"),
                        failed.str("reason"));
                assertTrue(failed.elapsed().toMillis() < 2000, failed.toString());
            }
        } finally {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(stateDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Sends until acked, retrying a 504 or 503 with the same request (same id): safe by contract. */
    static Reply ackedWithRetries(KvClient client, java.util.function.Supplier<Reply> send) {
        return KvClient.untilAcked(send, PATIENCE);
    }

    static void assertEvent(int partition, long offset, String key, String id, String type, String value) {
        LogEvent event = log.at(partition, offset, PATIENCE).orElseThrow(
                () -> new AssertionError("no event at " + partition + ":" + offset));
        assertEquals(key, event.key());
        JsonObject json = new JsonObject(event.value());
        assertEquals(id, json.getString("id"), event.toString());
        assertEquals(type, json.getString("type"), event.toString());
        assertEquals(value, json.getString("value"), event.toString());
    }

    static Entry awaitEntry(Materializer materializer, String key, int partition, long atLeast) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Read<Entry> read = null;
        while (System.nanoTime() < deadline) {
            read = materializer.get(key, partition, atLeast, false);
            if (read instanceof Read.Hit<Entry> hit && hit.position() >= atLeast && hit.value() != null) {
                return hit.value();
            }
            sleep(20);
        }
        System.out.println(KvNodes.streamThreadStacks());
        throw new AssertionError(key + " not at offset " + atLeast + " in " + materializer.config().applicationServer()
                + ": " + read + "; nodes: " + nodes.placement());
    }

    /** A key that lives in {@code partition}. */
    static String keyIn(int partition, String prefix) {
        for (int i = 0; ; i++) {
            if (Topics.partitionOf(prefix + "-" + i, PARTITIONS) == partition) {
                return prefix + "-" + i;
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
