package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Watches, key history and past values on one local cluster (3 brokers, 2 nodes, 4 partitions):
 * <ol>
 *   <li>watches from now, from 0, from a token, and one resumed by {@code Last-Event-ID} on the
 *       other node, all opened or resumed while writers change keys concurrently, each deliver
 *       every applied change exactly once, per key in version order — the changes the key's
 *       history lists;</li>
 *   <li>a key's history, its value at every version and at moments between its writes match a
 *       model of what was written;</li>
 *   <li>a watcher that does not read is closed with an error event once it falls its buffer
 *       behind, and the node never holds more than that buffer for it.</li>
 * </ol>
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchHistoryIT {

    private static final int PARTITIONS = 4;
    private static ClusterFixture cluster;

    @BeforeAll
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    static void up() throws Exception {
        cluster = ClusterFixture.up("kv-watch", "--partitions", Integer.toString(PARTITIONS), "--nodes", "2");
        assertEquals(java.util.Set.of(1, 2), cluster.nodeIds());
    }

    @AfterAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void down() {
        if (cluster != null) {
            cluster.down();
        }
    }

    // ---------------------------------------------------------------- 1: watch

    @Test
    @Order(1)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyWatchDeliversEveryAppliedChangeOnceInVersionOrderUnderConcurrentWrites() throws Exception {
        String prefix = "w/";
        // Given a watch from now, opened before any key under the prefix is written
        WatchStream fromNow = watch(1, "prefix=w/&from=now", null);
        assertEquals(200, fromNow.status);
        assertNotNull(fromNow.await("progress", Duration.ofSeconds(10)), "no first progress event");

        // When three writers put, append, delete, fail conditions and repeat ids on 12 keys for 8 s, and on
        // until 120 writes are acked (at most 40 s: a loaded machine acks fewer a second)
        Writers writers = new Writers(prefix, 12, Duration.ofSeconds(8));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int writer = w;
            running.add(pool.submit(() -> writers.run(writer)));
        }
        WatchStream fromZero;
        WatchStream fromToken;
        WatchStream firstHalf;
        WatchStream resumed;
        Token token;
        try {
            // and, while they write: a watch from 0, one from the token of a write, and one that
            // is dropped and resumed on the other node from its last event id
            Thread.sleep(1_000);
            firstHalf = watch(1, "prefix=w/&from=0", null);
            Thread.sleep(1_500);
            fromZero = watch(2, "prefix=w/&from=0&progress-ms=500", null);
            token = writers.lastToken.get();
            assertNotNull(token, "no write acknowledged in 2.5 s");
            fromToken = watch(1, "prefix=w/&from=" + token, null);
            Thread.sleep(1_500);
            firstHalf.close();
            String lastId = firstHalf.lastId();
            assertNotNull(lastId, "the first half saw no event");
            Thread.sleep(500);
            resumed = watch(2, "prefix=w/", lastId);
            for (Future<?> f : running) {
                f.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("[WatchHistoryIT] %d writes acked (%d duplicates, %d failed conditions)%n",
                writers.acked.get(), writers.duplicates.get(), writers.failedConditions.get());
        assertTrue(writers.acked.get() > 100, "the writers wrote too little: " + writers.acked.get());

        // Then each key's history on node 1 holds every version a put or append was acknowledged with
        Map<String, List<JsonNode>> history = new TreeMap<>();
        for (int k = 0; k < 12; k++) {
            String key = prefix + k;
            history.put(key, historyOldestFirst(1, key));
        }
        writers.ackedVersions.forEach((key, versions) -> {
            List<Long> listed = history.get(key).stream().map(h -> h.path("version").asLong()).toList();
            assertTrue(listed.containsAll(versions), key + ": acked " + versions + ", history " + listed);
        });
        int total = history.values().stream().mapToInt(List::size).sum();

        // and the watches from now and from 0, and the dropped one with its resumption, delivered
        // exactly the history: every change once, per key in version order
        awaitChanges(fromNow, total);
        awaitChanges(fromZero, total);
        assertSameChanges(history, byKey(fromNow.changes()), "from now");
        assertSameChanges(history, byKey(fromZero.changes()), "from 0");
        List<WatchStream.Event> both = new ArrayList<>(firstHalf.changes());
        awaitChanges(resumed, total - both.size());
        both.addAll(resumed.changes());
        assertSameChanges(history, byKey(both), "dropped and resumed by Last-Event-ID");
        assertTrue(fromZero.events.stream().anyMatch(e -> e.event().equals("progress")
                && e.data().path("caughtUp").asBoolean()), "no caught-up progress event");

        // and the watch from a token delivered, in the token's partition, exactly the changes after
        // it; in the others, each key's changes from some version on, with no gap
        Map<String, List<JsonNode>> expected = new TreeMap<>();
        history.forEach((key, versions) -> expected.put(key, versions.stream()
                .filter(v -> Topics.partitionOf(key, PARTITIONS) != token.partition()
                        || v.path("version").asLong() > token.offset() + 1).toList()));
        awaitChanges(fromToken, 1);
        Map<String, List<JsonNode>> seen = byKey(fromToken.changes());
        for (String key : expected.keySet()) {
            List<JsonNode> want = expected.get(key);
            List<JsonNode> got = seen.getOrDefault(key, List.of());
            if (Topics.partitionOf(key, PARTITIONS) != token.partition() && !got.isEmpty()) {
                long first = got.get(0).path("version").asLong();
                want = want.stream().filter(v -> v.path("version").asLong() >= first).toList();
            }
            assertSameChanges(Map.of(key, want), Map.of(key, got), "from token " + token);
        }
        for (WatchStream w : List.of(fromNow, fromZero, fromToken, resumed)) {
            w.close();
        }
    }

    /** Writers on keys of their own: puts, appends, deletes, failed conditions and repeated ids, on both nodes. */
    private static final class Writers {
        final String prefix;
        final int keys;
        final long endNanos;
        final long hardEndNanos;
        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger failedConditions = new AtomicInteger();
        final AtomicReference<Token> lastToken = new AtomicReference<>();
        final Map<String, List<Long>> ackedVersions = new ConcurrentHashMap<>();

        Writers(String prefix, int keys, Duration length) {
            this.prefix = prefix;
            this.keys = keys;
            this.endNanos = System.nanoTime() + length.toNanos();
            this.hardEndNanos = System.nanoTime() + length.toNanos() * 5;
        }

        /** For the length given, then until 120 writes are acked, at most five times the length. */
        boolean writing() {
            long now = System.nanoTime();
            return now < endNanos || (acked.get() < 120 && now < hardEndNanos);
        }

        void run(int writer) {
            Random random = new Random(7 + writer);
            String lastId = null;
            String lastKey = null;
            for (int seq = 0; writing(); seq++) {
                int node = 1 + random.nextInt(2);
                String key = prefix + (writer + 3 * random.nextInt(keys / 3));
                String id = "w" + writer + "-" + seq;
                int op = random.nextInt(10);
                ClusterFixture.Reply reply;
                if (op < 4) {
                    reply = cluster.put(node, key, "v" + seq, id, "log");
                } else if (op < 7) {
                    reply = cluster.append(node, key, "+" + seq, id);
                } else if (op < 8) {
                    reply = cluster.send(java.net.http.HttpRequest.newBuilder(cluster.uri(node, "/v1/kv/"
                            + ClusterFixture.encode(key) + "?id=" + id)).DELETE());
                } else if (op < 9) {
                    reply = cluster.send(java.net.http.HttpRequest.newBuilder(cluster.uri(node, "/v1/kv/"
                                    + ClusterFixture.encode(key) + "?id=" + id + "&if-version=999999"))
                            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("never")));
                    if (reply.status() == 412) {
                        failedConditions.incrementAndGet();
                    }
                    continue;
                } else if (lastId != null) {
                    // the same request again: its first outcome stands, nothing changes
                    reply = cluster.put(node, lastKey, "repeat", lastId, "log");
                    duplicates.incrementAndGet();
                    continue;
                } else {
                    continue;
                }
                if (reply.acked()) {
                    acked.incrementAndGet();
                    lastId = id;
                    lastKey = key;
                    if (reply.version() > 0) {
                        ackedVersions.computeIfAbsent(key, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                                .add(reply.version());
                    }
                    lastToken.set(Token.parse(reply.body().path("token").asText()));
                }
            }
        }
    }

    // ---------------------------------------------------------------- 2: history

    @Test
    @Order(2)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void historyVersionsAndMomentsMatchAModelOfWhatWasWritten() throws Exception {
        String key = "h/model";
        Random random = new Random(42);
        // model: each version written, with its type, whole value and id; and moments between writes
        List<long[]> versions = new ArrayList<>();
        Map<Long, String> valueAt = new TreeMap<>();
        Map<Long, String> typeAt = new TreeMap<>();
        Map<Long, String> idAt = new TreeMap<>();
        List<Instant> moments = new ArrayList<>();
        List<String> valueAtMoment = new ArrayList<>();
        String value = null;
        List<Long> never = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String id = "h-" + i;
            int op = random.nextInt(10);
            ClusterFixture.Reply reply;
            if (op < 4) {
                String put = "value " + i;
                reply = cluster.put(1, key, put, id, "applied");
                assertTrue(reply.acked(), reply.toString());
                value = put;
                typeAt.put(reply.version(), "put");
            } else if (op < 7) {
                reply = cluster.append(1, key, "+" + i, id);
                assertTrue(reply.acked(), reply.toString());
                value = (value == null ? "" : value) + "+" + i;
                assertEquals(value, reply.value());
                typeAt.put(reply.version(), "append");
            } else if (op < 8) {
                reply = cluster.send(java.net.http.HttpRequest.newBuilder(cluster.uri(1, "/v1/kv/"
                        + ClusterFixture.encode(key) + "?id=" + id + "&wait=applied")).DELETE());
                assertTrue(reply.acked(), reply.toString());
                long deleted = Token.parse(reply.body().path("token").asText()).offset() + 1;
                if (value != null) {
                    typeAt.put(deleted, "delete");
                } else {
                    never.add(deleted); // a delete of an absent key changed nothing
                }
                value = null;
                valueAt.put(deleted, null);
                idAt.put(deleted, id);
                reply = null;
            } else {
                reply = cluster.send(java.net.http.HttpRequest.newBuilder(cluster.uri(1, "/v1/kv/"
                                + ClusterFixture.encode(key) + "?id=" + id + "&if-version=999999"))
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("never")));
                assertEquals(412, reply.status(), reply.toString());
                never.add(Token.parse(reply.body().path("token").asText()).offset() + 1);
                reply = null;
            }
            if (reply != null) {
                valueAt.put(reply.version(), value);
                idAt.put(reply.version(), id);
            }
            Thread.sleep(3); // every record time of the writes so far is before the moment
            moments.add(Instant.now());
            valueAtMoment.add(value);
            Thread.sleep(3); // and every later one after it
        }
        never.forEach(valueAt::remove);

        // Then the history, read in pages of 7 from node 2, is the model newest first
        List<JsonNode> listed = new ArrayList<>();
        long before = 0;
        for (int page = 0; page < 20; page++) {
            ClusterFixture.Reply reply = cluster.get(2, "/v1/kv/%s/history?limit=7%s", ClusterFixture.encode(key),
                    before > 0 ? "&before=" + before : "");
            assertEquals(200, reply.status(), reply.toString());
            reply.body().path("items").forEach(listed::add);
            if (reply.body().path("next").isNull()) {
                break;
            }
            before = reply.body().path("next").asLong();
        }
        List<Long> newestFirst = new ArrayList<>(typeAt.keySet());
        java.util.Collections.reverse(newestFirst);
        assertEquals(newestFirst, listed.stream().map(i -> i.path("version").asLong()).toList());
        for (JsonNode item : listed) {
            long version = item.path("version").asLong();
            assertEquals(typeAt.get(version), item.path("type").asText(), item.toString());
            assertEquals(valueAt.get(version), item.path("value").isNull() ? null : item.path("value").asText(),
                    item.toString());
            assertEquals(idAt.get(version), item.path("id").asText(), item.toString());
        }

        // and each version reads back its value; a delete and a version no change made are 404 with a reason
        for (Map.Entry<Long, String> version : typeAt.entrySet()) {
            ClusterFixture.Reply reply = cluster.get(2, "/v1/kv/%s?version=%d", ClusterFixture.encode(key),
                    version.getKey());
            if (version.getValue().equals("delete")) {
                assertEquals(404, reply.status(), reply.toString());
                assertTrue(reply.body().path("reason").asText().contains("delete"), reply.toString());
            } else {
                assertEquals(200, reply.status(), reply.toString());
                assertEquals(valueAt.get(version.getKey()), reply.value(), "version " + version.getKey());
            }
        }
        for (long version : never) {
            ClusterFixture.Reply reply = cluster.get(1, "/v1/kv/%s?version=%d", ClusterFixture.encode(key), version);
            assertEquals(404, reply.status(), reply.toString());
            assertTrue(reply.body().path("reason").asText().contains("never had version"), reply.toString());
        }
        ClusterFixture.Reply future = cluster.get(1, "/v1/kv/%s?version=%d", ClusterFixture.encode(key), 1L << 40);
        assertEquals(404, future.status(), future.toString());

        // and the value at each moment between writes is the model's then
        for (int i = 0; i < moments.size(); i++) {
            ClusterFixture.Reply reply = cluster.get(i % 2 + 1, "/v1/kv/%s?as-of=%s", ClusterFixture.encode(key),
                    moments.get(i));
            assertEquals(valueAtMoment.get(i) == null ? 404 : 200, reply.status(), "moment " + i + ": " + reply);
            assertEquals(valueAtMoment.get(i), reply.value(), "moment " + i);
        }

        // and bad input is refused, naming it
        assertEquals(400, cluster.get(1, "/v1/kv/%s?version=x", ClusterFixture.encode(key)).status());
        assertEquals(400, cluster.get(1, "/v1/kv/%s?as-of=yesterday", ClusterFixture.encode(key)).status());
        assertEquals(400, cluster.get(1, "/v1/kv/%s?version=1&as-of=%s", ClusterFixture.encode(key),
                Instant.now().minusSeconds(5)).status());
        assertEquals(400, cluster.get(1, "/v1/kv/%s/history?limit=0", ClusterFixture.encode(key)).status());
    }

    // ---------------------------------------------------------------- 3: a slow watcher

    @Test
    @Order(3)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aWatcherThatDoesNotReadIsClosedWithAnErrorAndItsBufferStaysBounded() throws Exception {
        JsonNode before = cluster.nodeInfo(2).path("watches");
        long limit = before.path("maxBufferedBytesPerWatch").asLong();
        assertTrue(limit > 0, before.toString());
        URI uri = cluster.uri(2, "/v1/watch?prefix=slow/");
        try (Socket socket = new Socket()) {
            // Given a watcher with a small receive window that reads nothing
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + uri.getRawPath() + "?" + uri.getRawQuery() + " HTTP/1.1\r\nHost: " + uri.getHost()
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            ClusterFixture.awaitTrue("the watch is open", Duration.ofSeconds(10),
                    () -> cluster.nodeInfo(2).path("watches").path("open").asInt() > before.path("open").asInt());

            // When 100 KiB values are written under its prefix until the node closes it as too slow
            String big = "x".repeat(100 * 1024);
            long mostBuffered = 0;
            int written = 0;
            while (cluster.nodeInfo(2).path("watches").path("closedTooSlow").asLong()
                    == before.path("closedTooSlow").asLong()) {
                assertTrue(written < 2_000, "not closed after " + written + " writes of 100 KiB");
                for (int i = 0; i < 10; i++) {
                    ClusterFixture.Reply put = cluster.put(1, "slow/" + (written % 50), big, "slow-" + written, "log");
                    assertTrue(put.acked(), put.toString());
                    written++;
                }
                mostBuffered = Math.max(mostBuffered, cluster.nodeInfo(2).path("watches").path("bufferedBytes")
                        .asLong());
            }
            System.out.printf("[WatchHistoryIT] slow watcher closed after %d writes of 100 KiB; at most %d bytes"
                    + " buffered (limit %d)%n", written, mostBuffered, limit);

            // Then the node never held more than its limit for it, and holds nothing once it is closed
            assertTrue(mostBuffered <= limit, mostBuffered + " > " + limit);
            JsonNode after = cluster.nodeInfo(2).path("watches");
            assertEquals(before.path("open").asInt(), after.path("open").asInt(), after.toString());
            assertEquals(0, after.path("bufferedBytes").asLong(), after.toString());

            // and the client, reading at last, finds the error event at the end of its stream
            socket.setSoTimeout(20_000);
            InputStream in = socket.getInputStream();
            byte[] all = in.readAllBytes(); // the node ends the connection once the client has read it all
            String tail = new String(all, Math.max(0, all.length - 4096), Math.min(all.length, 4096),
                    StandardCharsets.UTF_8);
            assertTrue(tail.contains("event: error") && tail.contains("WATCHER_TOO_SLOW"), tail);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static WatchStream watch(int node, String query, String lastEventId) throws Exception {
        return new WatchStream(cluster.uri(node, "/v1/watch?" + query), lastEventId);
    }

    /** The key's whole history from a node, oldest first. */
    private static List<JsonNode> historyOldestFirst(int node, String key) {
        ClusterFixture.Reply reply = cluster.get(node, "/v1/kv/%s/history?limit=1000", ClusterFixture.encode(key));
        assertEquals(200, reply.status(), reply.toString());
        List<JsonNode> items = new ArrayList<>();
        reply.body().path("items").forEach(items::add);
        java.util.Collections.reverse(items);
        return items;
    }

    private static Map<String, List<JsonNode>> byKey(List<WatchStream.Event> changes) {
        Map<String, List<JsonNode>> byKey = new TreeMap<>();
        for (WatchStream.Event change : changes) {
            byKey.computeIfAbsent(change.data().path("key").asText(), k -> new ArrayList<>()).add(change.data());
        }
        return byKey;
    }

    private static void awaitChanges(WatchStream watch, int count) {
        ClusterFixture.awaitTrue(count + " changes (have " + watch.changes().size() + ")", Duration.ofSeconds(30),
                () -> watch.changes().size() >= count);
        LocalNodes.sleep(500); // and no more than that
    }

    /** Per key: the same versions, types and ids in the same order (values of puts too). */
    private static void assertSameChanges(Map<String, List<JsonNode>> history, Map<String, List<JsonNode>> seen,
                                          String watch) {
        for (Map.Entry<String, List<JsonNode>> key : history.entrySet()) {
            List<String> want = key.getValue().stream().map(WatchHistoryIT::describe).toList();
            List<String> got = seen.getOrDefault(key.getKey(), List.of()).stream().map(WatchHistoryIT::describe)
                    .toList();
            assertEquals(want, got, watch + ", key " + key.getKey());
        }
        for (String key : seen.keySet()) {
            assertTrue(history.containsKey(key), watch + " delivered a key it does not watch: " + key);
        }
    }

    private static String describe(JsonNode change) {
        String type = change.path("type").asText();
        return change.path("version").asLong() + " " + type + " " + change.path("id").asText()
                + (type.equals("put") ? " " + change.path("value").asText() : "");
    }
}
