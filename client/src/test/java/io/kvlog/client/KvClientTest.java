package io.kvlog.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import io.kvlog.client.testing.FakeNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class KvClientTest {

    private static final Pattern ID = Pattern.compile("[?&]id=([^&]+)");

    private static String ack(String id, String key, long version, String token) {
        return "{\"result\":\"OperationAck\",\"id\":\"" + id + "\",\"key\":\"" + key + "\",\"version\":" + version
                + ",\"token\":\"" + token + "\"}";
    }

    private static String target(HttpExchange ex) {
        return ex.getRequestURI().getRawPath()
                + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
    }

    private static String idOf(String target) {
        Matcher m = ID.matcher(target);
        return m.find() ? m.group(1) : null;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aWriteGoesToTheNextNodeWithTheSameIdWhenANodeDoesNotAnswer() throws Exception {
        // Given a node that is not ready, one that is not there, and one that acks
        try (FakeNode notReady = FakeNode.start((ex, n) -> FakeNode.reply(ex, 503,
                "{\"error\":\"NOT_READY\",\"message\":\"node-1 is not ready: replaying\"}"));
             FakeNode ok = FakeNode.start((ex, n) -> FakeNode.reply(ex, 200, ack(idOf(target(ex)), "k", 3, "1:9")))) {
            List<String> notices = new CopyOnWriteArrayList<>();
            try (KvClient client = KvClient.builder(notReady.url(), "127.0.0.1:" + closedPort(), ok.url())
                    .discover(false).spread(false).notice(notices::add).build()) {
                // When a put is sent without an id
                OperationAck ack = client.put("k", "v");

                // Then the acking node got it with the id the first node got, and the ack names it
                String id = idOf(notReady.requests().get(0).target());
                assertEquals(id, idOf(ok.requests().get(0).target()));
                // and the retry waited for the apply, so the ack reports the id's first outcome
                assertEquals("id=" + id, notReady.requests().get(0).query());
                assertEquals("id=" + id + "&wait=applied", ok.requests().get(0).query());
                assertEquals(id, ack.id());
                assertEquals(3, ack.version());
                assertEquals("v", ok.requests().get(0).body());
                assertEquals(2, notices.size(), notices.toString());
                assertTrue(notices.get(1).contains("connection refused"), notices.toString());
                // and the node that answered is where the next request starts
                assertEquals(ok.url(), client.currentNode());
            }
        }
    }

    @Test
    void theAsyncFormsFailOverAsTheBlockingOnesDo() throws Exception {
        try (FakeNode notReady = FakeNode.replying(503, "{\"error\":\"NOT_READY\",\"message\":\"not ready\"}");
             FakeNode ok = FakeNode.start((ex, n) -> FakeNode.reply(ex, 200, ex.getRequestMethod().equals("GET")
                     ? "{\"result\":\"GetResult\",\"key\":\"k\",\"value\":\"v\",\"version\":3,\"token\":\"1:9\",\"id\":null}"
                     : ack(idOf(target(ex)), "k", 3, "1:9")));
             KvClient client = KvClient.builder(notReady.url(), ok.url()).discover(false).spread(false).build()) {
            OperationAck ack = client.putAsync("k", "v", WriteOptions.withId("a-1")).get(10, TimeUnit.SECONDS);
            assertEquals("a-1", ack.id());
            assertEquals("id=a-1&wait=applied", ok.requests().get(0).query());
            // the node that answered is now the current one: the read starts there
            GetResult read = client.getAsync("k", ReadOptions.DEFAULT).get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of("v"), read.value());
            assertEquals(1, notReady.requests().size());
            // and a refusal fails the future with the typed exception
            try (FakeNode bad = FakeNode.replying(400, "{\"error\":\"BAD_REQUEST\",\"message\":\"key: too long\"}");
                 KvClient other = KvClient.builder(bad.url()).discover(false).build()) {
                Throwable e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> other.getAsync("k", ReadOptions.DEFAULT).get(10, TimeUnit.SECONDS)).getCause();
                assertTrue(e instanceof BadRequestException && e.getMessage().equals("key: too long"), e.toString());
            }
        }
    }

    @Test
    void noNodeAnsweringIsAnExceptionNamingEachNodeTried() throws Exception {
        int port = closedPort();
        try (KvClient client = KvClient.builder("127.0.0.1:" + port).discover(false).build()) {
            NoNodeAnsweredException e = assertThrows(NoNodeAnsweredException.class, () -> client.get("k"));
            assertEquals(List.of("http://127.0.0.1:" + port + " (connection refused)"), e.tried());
            assertEquals(null, e.requestId());
            NoNodeAnsweredException write = assertThrows(NoNodeAnsweredException.class,
                    () -> client.put("k", "v", WriteOptions.withId("w-1")));
            assertEquals("w-1", write.requestId());
        }
    }

    /** A /v1/cluster body naming {@code nodes}: URL, then roles (comma-separated, "" for all), then ready. */
    private static String cluster(String... nodes) {
        StringBuilder json = new StringBuilder("{\"node\":\"s\",\"brokers\":[],\"nodes\":[");
        for (int i = 0; i < nodes.length; i += 3) {
            String roles = nodes[i + 1].isEmpty() ? "\"writer\",\"query\",\"materializer\""
                    : "\"" + nodes[i + 1].replace(",", "\",\"") + "\"";
            json.append(i == 0 ? "" : ",").append("{\"id\":\"n").append(i).append("\",\"url\":\"").append(nodes[i])
                    .append("\",\"roles\":[").append(roles).append("],\"ready\":").append(nodes[i + 2]).append('}');
        }
        return json.append("],\"partitions\":[],\"problems\":[]}").toString();
    }

    @Test
    void discoveredNodesShareTheRequestsAndReadsCarryTheSession() throws Exception {
        List<String> all = new CopyOnWriteArrayList<>();
        AtomicReference<String> view = new AtomicReference<>();
        FakeNode.Handler node = (ex, n) -> {
            if (target(ex).equals("/v1/cluster")) {
                FakeNode.reply(ex, 200, view.get());
                return;
            }
            all.add(target(ex));
            if (ex.getRequestMethod().equals("PUT")) {
                FakeNode.reply(ex, 200, ack(idOf(target(ex)), "k", 1, target(ex).contains("/a?") ? "2:7" : "0:4"));
            } else {
                FakeNode.reply(ex, 200, "{\"result\":\"GetResult\",\"key\":\"a\",\"value\":\"x\",\"version\":1,"
                        + "\"token\":\"2:7\",\"id\":null}");
            }
        };
        try (FakeNode b = FakeNode.start(node); FakeNode c = FakeNode.start(node)) {
            // Given node b, which names itself, c (with a trailing slash) and a node not ready
            view.set(cluster(b.url(), "", "true", c.url() + "/", "", "true", "http://127.0.0.1:1", "", "false"));
            try (KvClient client = KvClient.connect(b.url())) {
                // When a program writes two keys and reads
                client.put("a", "1");
                client.put("b", "2");
                GetResult read = client.get("a");

                // Then the ready nodes named by the seed served them, in turn
                assertEquals(List.of(b.url(), c.url()), client.nodes());
                assertEquals(1, b.requests().stream().filter(r -> r.path().equals("/v1/cluster")).count());
                assertTrue(b.requests().size() > 1, b.requests().toString());
                assertFalse(c.requests().isEmpty());
                // and the read asked for the session of both writes
                String get = all.get(2);
                assertTrue(get.contains("consistency=session"), get);
                assertTrue(get.contains("after=0%3A4%2C2%3A7"), get);
                assertEquals(Optional.of("x"), read.value());
                assertEquals("0:4,2:7", client.session());
                // and a position from elsewhere joins one read, not the session; a bad one is refused here
                client.get("a", ReadOptions.at(Consistency.SESSION).after("5:3"));
                assertTrue(all.get(3).contains("after=0%3A4%2C2%3A7%2C5%3A3"), all.get(3));
                assertEquals("0:4,2:7", client.session());
                IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                        () -> client.get("a", ReadOptions.DEFAULT.after("3:x")));
                assertTrue(bad.getMessage().contains("'3:x'"), bad.getMessage());
            }
        }
    }

    @Test
    void nodesThatAdvertiseOtherAddressesLeaveTheSeedsInUse() throws Exception {
        // Given a node reached at 127.0.0.1 that advertises itself as a container's host name
        List<String> notices = new CopyOnWriteArrayList<>();
        try (FakeNode node = FakeNode.start((ex, n) -> FakeNode.reply(ex, 200, target(ex).equals("/v1/cluster")
                ? cluster("http://node-1:8080", "", "true") : ack(idOf(target(ex)), "k", 1, "0:0")));
             KvClient client = KvClient.builder(node.url()).notice(notices::add).build()) {
            // When a program writes
            client.put("k", "v");

            // Then it went on with the URL it was given, and said why
            assertEquals(List.of(node.url()), client.nodes());
            assertEquals(2, node.requests().size());
            assertTrue(notices.get(0).contains("http://node-1:8080"), notices.toString());
        }
    }

    @Test
    void writesGoToWritersAndReadsToQueryNodes() throws Exception {
        AtomicReference<String> view = new AtomicReference<>();
        FakeNode.Handler handler = (ex, n) -> FakeNode.reply(ex, 200, target(ex).equals("/v1/cluster") ? view.get()
                : ex.getRequestMethod().equals("GET") ? "{\"result\":\"GetResult\",\"key\":\"k\",\"value\":\"v\","
                + "\"version\":1,\"token\":\"0:0\",\"id\":null}" : ack(idOf(target(ex)), "k", 1, "0:0"));
        try (FakeNode writer = FakeNode.start(handler); FakeNode reader = FakeNode.start(handler)) {
            view.set(cluster(writer.url(), "writer,materializer", "true", reader.url(), "query,materializer", "true"));
            try (KvClient client = KvClient.connect(writer.url())) {
                for (int i = 0; i < 4; i++) {
                    client.put("k", "v");
                    client.get("k");
                }
                assertEquals(List.of("PUT"), writer.requests().stream().map(FakeNode.Request::method)
                        .filter(m -> !m.equals("GET")).distinct().toList());
                assertEquals(4, writer.requests().stream().filter(r -> r.method().equals("PUT")).count());
                assertEquals(4, reader.requests().stream().filter(r -> r.path().equals("/v1/kv/k")).count());
                assertEquals(0, reader.requests().stream().filter(r -> r.method().equals("PUT")).count());
            }
        }
    }

    @Test
    void refusalsAreTypedExceptionsNamingTheProblem() throws Exception {
        try (FakeNode node = FakeNode.start((ex, n) -> {
            if (target(ex).startsWith("/v1/kv/bad")) {
                FakeNode.reply(ex, 400, "{\"error\":\"BAD_REQUEST\",\"message\":\"if-version: expected a number\"}");
            } else if (target(ex).startsWith("/v1/kv/cond")) {
                FakeNode.reply(ex, 412, "{\"result\":\"PreconditionFailed\",\"id\":\"i\",\"key\":\"cond\","
                        + "\"currentVersion\":4,\"token\":\"1:2\"}");
            } else if (target(ex).startsWith("/v1/kv/slow")) {
                FakeNode.reply(ex, 504, "{\"result\":\"OperationFailed\",\"id\":\"" + idOf(target(ex))
                        + "\",\"key\":\"slow\",\"reason\":\"not confirmed within 1000 ms\"}");
            } else if (target(ex).startsWith("/v1/kv/busy")) {
                FakeNode.reply(ex, 503, "{\"error\":\"OVERLOADED\",\"message\":\"too many writes in flight\"}");
            } else {
                FakeNode.reply(ex, 404, "{\"result\":\"GetResult\",\"key\":\"gone\",\"value\":null,\"version\":2,"
                        + "\"token\":\"0:3\",\"id\":null}");
            }
        }); KvClient client = KvClient.builder(node.url()).discover(false).build()) {
            BadRequestException bad = assertThrows(BadRequestException.class, () -> client.put("bad", "v"));
            assertEquals("if-version: expected a number", bad.getMessage());
            PreconditionFailedException cond = assertThrows(PreconditionFailedException.class,
                    () -> client.put("cond", "v", WriteOptions.DEFAULT.ifVersion(3)));
            assertEquals(4, cond.currentVersion());
            OperationFailedException slow = assertThrows(OperationFailedException.class,
                    () -> client.delete("slow", WriteOptions.withId("my-id")));
            assertEquals(new OperationFailed("my-id", "not confirmed within 1000 ms"), slow.result());
            assertEquals("my-id", slow.requestId());
            KvException busy = assertThrows(KvException.class, () -> client.append("busy", "x"));
            assertEquals("OVERLOADED", busy.error());
            // the id the client made for the append, to resend it with
            assertEquals(idOf(node.requests().get(3).target()), busy.requestId());
            assertEquals(503, busy.status());
            // an absent key is a result, not an error
            GetResult gone = client.get("gone");
            assertEquals(Optional.empty(), gone.value());
            assertEquals(2, gone.version());
            // the conditional put was sent with its condition
            assertTrue(node.requests().get(1).target().contains("if-version=3"), node.requests().get(1).target());
        }
    }

    @Test
    void aScanReadsPageAfterPageLazily() throws Exception {
        try (FakeNode node = FakeNode.start((ex, n) -> FakeNode.reply(ex, 200, target(ex).contains("cursor=")
                ? "{\"items\":[{\"key\":\"p/c\",\"value\":\"3\",\"version\":1}],\"cursor\":null}"
                : "{\"items\":[{\"key\":\"p/a\",\"value\":\"1\",\"version\":1},"
                + "{\"key\":\"p/b\",\"value\":\"2\",\"version\":5}],\"cursor\":\"Yg\"}"));
             KvClient client = KvClient.builder(node.url()).discover(false).build()) {
            var keys = client.scan("p/", 2, Consistency.EVENTUAL).iterator();
            assertTrue(keys.hasNext());
            assertEquals(new Entry("p/a", "1", 1), keys.next());
            assertEquals(1, node.requests().size(), "one page read so far");
            List<String> rest = new ArrayList<>();
            keys.forEachRemaining(e -> rest.add(e.key()));
            assertEquals(List.of("p/b", "p/c"), rest);
            assertTrue(node.requests().get(1).target().contains("cursor=Yg"), node.requests().get(1).target());
            assertTrue(node.requests().get(0).target().contains("prefix=p%2F"), node.requests().get(0).target());
        }
    }

    private static FakeNode.Handler streaming(String... events) {
        return (ex, n) -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (String event : events) {
                    out.write(event.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        };
    }

    private static String change(String key, long version, String position) {
        return "id: " + position + "\ndata: {\"key\":\"" + key + "\",\"type\":\"put\",\"value\":\"v" + version
                + "\",\"version\":" + version + ",\"token\":\"0:" + version + "\",\"id\":null,"
                + "\"time\":\"2026-12-02T10:00:00Z\"}\n\n";
    }

    @Test
    void aDroppedWatchResumesOnTheNextNodeAfterTheLastEvent() throws Exception {
        // Given a node whose stream ends after two changes, and another with the third
        try (FakeNode first = FakeNode.start(streaming(change("a", 1, "0:1"), change("a", 2, "0:2")));
             FakeNode second = FakeNode.start(streaming(": hello\n\n", "event: progress\nid: 0:2\ndata: {\"positions\":"
                     + "\"0:2\",\"caughtUp\":true}\n\n", change("a", 3, "0:3")))) {
            List<WatchEvent> events = new CopyOnWriteArrayList<>();
            try (KvClient client = KvClient.builder(first.url(), second.url()).discover(false).spread(false).build()) {
                Watch watch = client.watch(WatchRequest.key("a").from("0"), event -> {
                    events.add(event);
                    if (events.size() == 4) {
                        throw new IllegalStateException("enough");
                    }
                });
                // Then every change came once, in order, and the resume named the last one seen
                Throwable end = assertThrows(Exception.class, () -> watch.done().get(10, TimeUnit.SECONDS));
                assertEquals("enough", end.getCause().getMessage());
                assertEquals(List.of(1L, 2L, 3L), events.stream().filter(e -> e instanceof WatchEvent.Change)
                        .map(e -> ((WatchEvent.Change) e).version()).toList());
                assertTrue(events.get(2) instanceof WatchEvent.Progress p && p.caughtUp(), events.toString());
                assertEquals("0:2", second.requests().get(0).lastEventId());
                assertTrue(first.requests().get(0).target().contains("from=0"), first.requests().get(0).target());
                assertFalse(second.requests().get(0).target().contains("from="), second.requests().get(0).target());
                assertEquals("0:3", watch.position());
            }
        }
    }

    @Test
    void opsGiveEveryWriteAnIdAndReplyInOrder() throws Exception {
        try (FakeNode node = FakeNode.start((ex, n) -> FakeNode.reply(ex, 200, "[" + ack("x", "a", 1, "0:1") + ","
                + "{\"result\":\"OperationFailed\",\"id\":\"r\",\"key\":\"b\",\"reason\":\"timeout\"},"
                + "{\"result\":\"GetResult\",\"key\":\"a\",\"value\":\"1\",\"version\":1,\"token\":\"0:1\",\"id\":\"g\"}]"));
             KvClient client = KvClient.builder(node.url()).discover(false).build()) {
            List<Result> results = client.ops(List.of(Op.insert("a", "1", null), Op.remove("b", "r"), Op.get("a", "g")));
            assertTrue(results.get(0) instanceof OperationAck);
            assertEquals(new OperationFailed("r", "timeout"), results.get(1));
            assertEquals(Optional.of("1"), ((GetResult) results.get(2)).value());
            String body = node.requests().get(0).body();
            Set<String> fields = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(body).results()
                    .map(m -> m.group(1)).collect(Collectors.toSet());
            assertEquals(3, fields.size(), body); // a made-up id for the insert, and the two given
            assertTrue(fields.containsAll(Set.of("r", "g")), body);
        }
    }

    @Test
    void optionsRefuseWhatTheProtocolCannotDo() {
        assertThrows(IllegalArgumentException.class, () -> new ReadOptions(null, 3L, java.time.Instant.now(), null, null));
        assertThrows(IllegalArgumentException.class, () -> WatchRequest.key("a").progress(Duration.ZERO));
        try (KvClient client = KvClient.builder("127.0.0.1:1").discover(false).build()) {
            assertThrows(IllegalArgumentException.class, () -> client.put("", "v"));
            assertThrows(IllegalArgumentException.class,
                    () -> client.append("a", "x", WriteOptions.DEFAULT.ifVersion(1)));
        }
    }
}
