package io.kvlog.query.internal;

import io.kvlog.protocol.KeyOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.query.QueryConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The read API over real HTTP, on in-memory copies (no broker): input checks, replies, waiting for a copy. */
@Timeout(60)
class ReadApiTest {

    private static final int PARTITIONS = 4;
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;
    private HttpServer server;
    private ReadApi api;
    private FakeCopies copies;
    private String base;

    record Reply(int status, JsonObject body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    @BeforeEach
    void start() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        HostInfo self = new HostInfo("127.0.0.1", port);
        copies = new FakeCopies(PARTITIONS, self);
        vertx = Vertx.vertx();
        ReadIndex.HighWatermarkSource highWatermarks = partitions -> {
            Map<Integer, Long> hws = new HashMap<>();
            partitions.forEach(p -> hws.put(p, copies.highWatermark(p)));
            return CompletableFuture.completedFuture(hws);
        };
        api = new ReadApi(vertx, copies, highWatermarks, PartitionCount.fixed(PARTITIONS), null,
                new QueryConfig("unused:9092", Duration.ofMillis(300), 50), new NodeIdentity("node-1", base), self);
        Router router = Router.router(vertx);
        Replies.install(router, new NodeIdentity("node-1", base));
        api.mount(router);
        server = vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        api.close();
        server.close().await();
        vertx.close().await();
    }

    private Reply get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), new JsonObject(response.body()), response);
    }

    @Test
    void aPresentKeyIsAGetResultWithItsVersionTokenAndCopy() throws Exception {
        long offset = copies.put("fruit", "apple");
        int partition = copies.partitionOf("fruit");

        Reply reply = get("/v1/kv/fruit?consistency=eventual&id=req-1");

        assertEquals(200, reply.status());
        assertEquals(new JsonObject().put("result", "GetResult").put("key", "fruit").put("value", "apple")
                .put("version", offset).put("token", partition + ":" + offset).put("id", "req-1"), reply.body());
        assertEquals("node-1", reply.header("X-KV-Node"));
        assertEquals("active", reply.header("X-KV-Copy"));
        assertTrue(reply.header("X-KV-Lag").matches("0|unknown"), reply.header("X-KV-Lag"));
    }

    @Test
    void absentAndRemovedKeysAre404WithNullValue() throws Exception {
        long removedAt = copies.put("gone", "x") + 1;
        copies.remove("gone");

        Reply absent = get("/v1/kv/never");
        Reply removed = get("/v1/kv/gone");

        assertEquals(404, absent.status());
        assertNull(absent.body().getValue("value"));
        assertTrue(absent.body().containsKey("value"));
        assertEquals(0L, absent.body().getLong("version"));
        assertEquals(404, removed.status());
        assertEquals(removedAt, removed.body().getLong("version"));
    }

    @Test
    void keysWithReservedCharactersTravelPercentEncoded() throws Exception {
        String key = "a/b c?é&";
        copies.put(key, "odd");

        Reply reply = get("/v1/kv/" + PathSegment.encode(key));

        assertEquals(200, reply.status());
        assertEquals(key, reply.body().getString("key"));
    }

    @Test
    void aLinearizableReadWaitsUntilTheActiveCopyReachesTheHighWatermark() throws Exception {
        // Given a write in the log that the copy has not applied yet
        copies.put("k", "old");
        long offset = copies.putUnapplied("k", "new");
        int partition = copies.partitionOf("k");
        vertx.setTimer(100, id -> copies.position(partition, offset));

        // When a linearizable read arrives before the copy applies it
        long start = System.nanoTime();
        Reply reply = get("/v1/kv/k?consistency=linearizable");

        // Then it waits for it and sees the new value
        assertEquals(200, reply.status());
        assertEquals("new", reply.body().getString("value"));
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 90);
        assertEquals("0", reply.header("X-KV-Lag"));
    }

    @Test
    void aLinearizableReadThatCannotCatchUpIs503NotStale() throws Exception {
        copies.put("k", "old");
        copies.putUnapplied("k", "new");

        Reply reply = get("/v1/kv/k");

        assertEquals(503, reply.status());
        assertEquals("UNAVAILABLE", reply.body().getString("error"));
        assertTrue(reply.body().getString("message").contains("high watermark"), reply.body().encode());
    }

    @Test
    void aLinearizableReadWhileStreamsCannotSayWhoOwnsTheKeyIs503ThenServedOnceItCan() throws Exception {
        copies.put("k", "v");
        copies.failMetadata(new IllegalStateException("KafkaStreams is not running. State is CREATED."));

        Reply failed = get("/v1/kv/k");

        assertEquals(503, failed.status(), failed.body().encode());
        assertTrue(failed.body().getString("message").contains("not running"), failed.body().encode());

        copies.failMetadata(new org.apache.kafka.streams.errors.StreamsNotStartedException("not started yet"));
        Reply notStarted = get("/v1/kv/k");

        assertEquals(503, notStarted.status(), notStarted.body().encode());
        assertTrue(notStarted.body().getString("message").contains("looking up the owner"), notStarted.body().encode());

        copies.failMetadata(null);
        Reply served = get("/v1/kv/k");

        assertEquals(200, served.status(), served.body().encode());
        assertEquals("v", served.body().getString("value"));
    }

    @Test
    void aReadStuckInTheStoreIsAnswered503ShortlyAfterTheDeadline() throws Exception {
        copies.put("k", "v");
        copies.stall(3000);

        long start = System.nanoTime();
        Reply reply = get("/v1/kv/k?consistency=eventual");

        long took = (System.nanoTime() - start) / 1_000_000;
        assertEquals(503, reply.status(), reply.body().encode());
        assertTrue(reply.body().getString("message").contains("did not finish in time"), reply.body().encode());
        assertTrue(took < 1500, "answered after " + took + " ms");
    }

    @Test
    void anEventualReadAnswersAtOnceWithTheLagOfTheCopy() throws Exception {
        copies.put("k", "old");
        copies.putUnapplied("k", "new");
        copies.putUnapplied("k", "newer");
        get("/v1/kv/k?consistency=eventual"); // first read learns the high watermark in the background
        Thread.sleep(50);

        Reply reply = get("/v1/kv/k?consistency=eventual");

        assertEquals(200, reply.status());
        assertEquals("old", reply.body().getString("value"));
        assertEquals("2", reply.header("X-KV-Lag"));
    }

    @Test
    void aSessionReadOnAStandbyWaitsForItsToken() throws Exception {
        copies.put("k", "v1");
        long offset = copies.putUnapplied("k", "v2");
        int partition = copies.partitionOf("k");
        copies.active(partition, false);
        vertx.setTimer(80, id -> copies.position(partition, offset));

        Reply reply = get("/v1/kv/k?consistency=session&after=" + partition + ":" + offset);

        assertEquals(200, reply.status());
        assertEquals("v2", reply.body().getString("value"));
        assertEquals("standby", reply.header("X-KV-Copy"));
        assertEquals(partition + ":" + offset, reply.body().getString("token"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "/v1/kv/k?consistency=strong | consistency: must be one of linearizable, session, eventual, got 'strong'",
            "/v1/kv/k?consistency=session&after=abc | after: token: expected PARTITION:OFFSET",
            "/v1/kv/k?after=1:x | after: token: expected PARTITION:OFFSET",
            "/v1/kv/k?id=bad%20id | id: must be",
            "/v1/kv/a%01b | key: must not contain control characters",
            "/v1/kv?limit=0 | limit: must be a whole number from 1 to 50, got '0'",
            "/v1/kv?limit=51 | limit: must be a whole number from 1 to 50, got '51'",
            "/v1/kv?limit=ten | limit: must be a whole number from 1 to 50, got 'ten'",
            "/v1/kv?cursor=!!! | cursor: expected the cursor of a previous scan reply",
            "/v1/kv?consistency=eventually | consistency: must be one of",
            "/v1/kv?consistency=session&after=9:1 | after: token 9:1 is for partition 9, but kv.events has 4 partitions",
            "/v1/kv?prefix=%07 | prefix: key: must not contain control characters",
            "/v1/admin/digest | partition: required",
            "/v1/admin/digest?partition=4 | partition: must be a whole number from 0 to 3, got '4'",
            "/v1/admin/digest?partition=-1 | partition: must be a whole number from 0 to 3, got '-1'",
    })
    void badInputIs400NamingIt(String path, String message) throws Exception {
        Reply reply = get(path);

        assertEquals(400, reply.status(), reply.body().encode());
        assertEquals("BAD_REQUEST", reply.body().getString("error"));
        assertTrue(reply.body().getString("message").startsWith(message), reply.body().getString("message"));
    }

    @Test
    void aTokenForAnotherPartitionThanTheKeysIs400() throws Exception {
        int partition = copies.partitionOf("k");
        int other = (partition + 1) % PARTITIONS;

        Reply reply = get("/v1/kv/k?consistency=session&after=" + other + ":5");

        assertEquals(400, reply.status());
        assertTrue(reply.body().getString("message").startsWith("after: token " + other + ":5 is for partition "
                + other + ", but key 'k' lives in partition " + partition), reply.body().getString("message"));
    }

    @Test
    void aScanPagesThroughEveryPartitionInKeyOrder() throws Exception {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String key = "s" + String.format("%02d", i);
            copies.put(key, "v" + i);
            if (i % 5 != 0) {
                expected.add(key);
            } else {
                copies.remove(key);
            }
        }
        copies.put("t-other", "x");

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Reply reply = get("/v1/kv?prefix=s&limit=7&consistency=linearizable"
                    + (cursor == null ? "" : "&cursor=" + cursor));
            assertEquals(200, reply.status(), reply.body().encode());
            JsonArray items = reply.body().getJsonArray("items");
            for (int i = 0; i < items.size(); i++) {
                seen.add(items.getJsonObject(i).getString("key"));
            }
            cursor = reply.body().getString("cursor");
            pages++;
        } while (cursor != null);

        assertEquals(expected, seen);
        assertEquals(expected.size() / 7 + 1, pages);
    }

    @Test
    void theDigestNamesTheCopyItWasTakenFrom() throws Exception {
        copies.put("k", "v");
        int partition = copies.partitionOf("k");

        Reply reply = get("/v1/admin/digest?partition=" + partition);

        assertEquals(200, reply.status(), reply.body().encode());
        assertEquals("active", reply.body().getString("copy"));
        assertEquals(partition, reply.body().getInteger("partition"));
        assertEquals(64, reply.body().getString("sha256").length());
    }
}
