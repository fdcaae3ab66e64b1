package io.kvlog.cli.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the recording client maps what a node answers (or does not) to the history's outcomes,
 * against a stub node whose answer is chosen by the key: {@code status-N} answers N,
 * {@code cut} closes the connection without a reply, {@code slow} never answers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RecordingClientTest {

    // generous: the machine running the tests may be loaded; only the 'slow' key waits it out
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Vertx vertx;
    private String url;
    private final List<String> ids = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startStubNode() throws Exception {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            String key = request.path().replaceFirst("^/v1/kv/", "").replaceFirst("/append$", "");
            if (request.getParam("id") != null) {
                ids.add(request.getParam("id"));
            }
            if (key.equals("cut")) {
                request.connection().close();
                return;
            }
            if (key.equals("slow")) {
                return; // never answers
            }
            int status = key.startsWith("status-") ? Integer.parseInt(key.substring(7)) : 200;
            JsonObject reply = new JsonObject().put("key", key).put("version", 7);
            if (request.method().name().equals("GET")) {
                reply.put("value", status == 404 ? null : "stored");
            } else if (request.path().endsWith("/append")) {
                reply.put("value", "old" + body);
            }
            request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(reply.encode());
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        url = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void repliesMapToOutcomes() {
        History history = new History();
        RecordingClient client = new RecordingClient(1, List.of(url), history, TIMEOUT);

        assertEquals(OpOutcome.OK, client.once(OpKind.PUT, "status-200", "v", Map.of()).outcome());
        assertEquals(OpOutcome.FAIL, client.once(OpKind.PUT, "status-412", "v", Map.of()).outcome());
        assertEquals(OpOutcome.FAIL, client.once(OpKind.PUT, "status-400", "v", Map.of()).outcome());
        assertEquals(OpOutcome.FAIL, client.once(OpKind.PUT, "status-413", "v", Map.of()).outcome());
        assertEquals(OpOutcome.UNKNOWN, client.once(OpKind.PUT, "status-504", "v", Map.of()).outcome());
        assertEquals(OpOutcome.UNKNOWN, client.once(OpKind.DELETE, "status-503", null, Map.of()).outcome());
        assertEquals(OpOutcome.UNKNOWN, client.once(OpKind.PUT, "cut", "v", Map.of()).outcome());
        RecordingClient impatient = new RecordingClient(1, List.of(url), history, Duration.ofSeconds(1));
        assertEquals(OpOutcome.UNKNOWN, impatient.once(OpKind.PUT, "slow", "v", Map.of()).outcome());
        // a read has no effect: when it does not answer it simply failed
        assertEquals(OpOutcome.FAIL, client.once(OpKind.GET, "status-503", null, Map.of()).outcome());
        assertEquals(OpOutcome.FAIL, client.once(OpKind.GET, "cut", null, Map.of()).outcome());
        RecordingClient.Result found = client.once(OpKind.GET, "status-200", null, Map.of());
        assertEquals("stored", found.value());
        RecordingClient.Result absent = client.once(OpKind.GET, "status-404", null, Map.of());
        assertEquals(OpOutcome.OK, absent.outcome());
        assertNull(absent.value());
        RecordingClient.Result append = client.once(OpKind.APPEND, "status-200", "-x", Map.of());
        assertEquals("old-x", append.value());

        // and the history says the same, with observed values and open ends for the unknown ones
        List<HistoryEntry> entries = history.entries();
        assertEquals(13, entries.size());
        assertEquals(List.of(OpOutcome.OK, OpOutcome.FAIL, OpOutcome.FAIL, OpOutcome.FAIL, OpOutcome.UNKNOWN,
                        OpOutcome.UNKNOWN, OpOutcome.UNKNOWN, OpOutcome.UNKNOWN, OpOutcome.FAIL, OpOutcome.FAIL,
                        OpOutcome.OK, OpOutcome.OK, OpOutcome.OK),
                entries.stream().map(HistoryEntry::outcome).toList());
        assertEquals(Long.MAX_VALUE, entries.get(4).returnNanos());
        assertEquals("stored", entries.get(10).observed());
        assertNull(entries.get(11).observed());
        assertEquals("old-x", entries.get(12).observed());
    }

    @Test
    void retriesReuseTheIdAndEndOkOnceAcked() {
        History history = new History();
        RecordingClient client = new RecordingClient(2, List.of(url), history, TIMEOUT);

        // a write whose every attempt ends in 504 stays unknown, all attempts with one id
        RecordingClient.Result result = client.perform(OpKind.PUT, "status-504", "v", Map.of(), 3, Duration.ofMillis(10));
        assertEquals(OpOutcome.UNKNOWN, result.outcome());
        assertEquals(3, result.attempts());
        assertEquals(3, ids.size());
        assertEquals(1, ids.stream().distinct().count(), ids.toString());
        assertEquals(1, history.size());
    }

    @Test
    void aNodeThatRefusesConnectionsIsAFailureAndTheClientMovesOn() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        History history = new History();
        // process 0 starts with the first URL: a port nobody listens on
        RecordingClient client = new RecordingClient(0, List.of("http://127.0.0.1:" + closedPort, url), history,
                TIMEOUT);

        assertEquals(OpOutcome.FAIL, client.once(OpKind.PUT, "status-200", "v", Map.of()).outcome());
        // the next operation goes to the node that answers
        assertEquals(OpOutcome.OK, client.once(OpKind.PUT, "status-200", "v", Map.of()).outcome());
        // and an operation retried across both ends OK
        RecordingClient other = new RecordingClient(0, List.of("http://127.0.0.1:" + closedPort, url), history,
                TIMEOUT);
        assertEquals(OpOutcome.OK, other.perform(OpKind.PUT, "status-200", "v", Map.of(), 2, Duration.ZERO).outcome());
    }
}
