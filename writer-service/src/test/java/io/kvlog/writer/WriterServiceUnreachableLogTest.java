package io.kvlog.writer;

import static io.kvlog.writer.testing.KvClient.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.writer.testing.KvClient;
import io.kvlog.writer.testing.KvClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.kvlog.http.auth.AccessGuard;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The writer over real HTTP with a log that never answers (bootstrap servers on a port nobody
 * listens on) and no materializer: the deadline, back-pressure and what a node without a
 * materializer serves. No broker needed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriterServiceUnreachableLogTest {

    private static final int MAX_IN_FLIGHT = 2;

    private Vertx vertx;
    private WriterService writer;
    private String url;
    private final KvClient client = new KvClient();

    @BeforeEach
    void start() throws Exception {
        String deadLog = "127.0.0.1:" + unusedPort();
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        Replies.install(router, new NodeIdentity("node-1", "http://127.0.0.1"));
        // as a node with auth off: every request may do everything (routes without a guard refuse, fail-closed)
        new AccessGuard(null, 0, path -> false).install(vertx, router);
        writer = new WriterService(vertx, WriterConfig.defaults(deadLog).withMaxInFlight(MAX_IN_FLIGHT), null,
                java.util.List::of, "node-1");
        writer.mount(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        url = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterEach
    void stop() throws Exception {
        writer.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWriteTheLogDoesNotAcknowledgeFailsAtTheDeadlineNamingItsId() {
        // Given a log that does not answer (warmed up: the first request of a JVM pays class loading)
        client.put(url, "warm-up", "v", params());

        // When a write is sent
        Reply reply = client.put(url, "k", "v", params("id", "deadline-1"));

        // Then it is OperationFailed, with the id and a reason, after about the 1 s deadline
        assertEquals(504, reply.status(), reply.toString());
        assertEquals("OperationFailed", reply.str("result"));
        assertEquals("deadline-1", reply.str("id"));
        assertTrue(reply.str("reason").contains("log"), reply.str("reason"));
        long millis = reply.elapsed().toMillis();
        assertTrue(millis >= 800 && millis <= 2000, "replied after " + millis + " ms");
    }

    @Test
    void writesBeyondMaxInFlightGet503WithRetryAfterAndTheSlotsComeBack() throws Exception {
        // Given as many writes in flight as the node takes, each stuck on the log
        CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> client.put(url, "a", "1", params()));
        CompletableFuture<Reply> second = CompletableFuture.supplyAsync(() -> client.put(url, "b", "2", params()));
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (writer.inFlight() < MAX_IN_FLIGHT && System.nanoTime() < waitUntil) {
            Thread.sleep(5);
        }
        assertEquals(MAX_IN_FLIGHT, writer.inFlight());

        // When one more arrives
        Reply excess = client.put(url, "c", "3", params("id", "excess-1"));

        // Then it is refused at once with 503 and Retry-After, without joining a queue
        assertEquals(503, excess.status(), excess.toString());
        assertEquals("OVERLOADED", excess.str("error"));
        assertTrue(excess.str("message").contains("more than " + MAX_IN_FLIGHT + " writes in flight"), excess.body());
        assertEquals("1", excess.header("Retry-After"));
        assertEquals("node-1", excess.header("X-KV-Node"));
        assertTrue(excess.elapsed().toMillis() < 500, "503 took " + excess.elapsed().toMillis() + " ms");
        // and the writes in flight end at their deadline, freeing their slots for the next one
        assertEquals(504, first.get(5, TimeUnit.SECONDS).status());
        assertEquals(504, second.get(5, TimeUnit.SECONDS).status());
        assertEquals(0, writer.inFlight());
        assertEquals(504, client.put(url, "d", "4", params()).status());
    }

    @Test
    void withoutAMaterializerOnlyUnconditionalWaitLogWritesAreServed() {
        // Given a node without a materializer
        // When writes that need the apply outcome arrive
        Reply applied = client.put(url, "k", "v", params("wait", "applied"));
        Reply conditional = client.put(url, "k", "v", params("if-version", "0"));
        Reply append = client.append(url, "k", "x", params());

        // Then each is refused with 503 saying why
        for (Reply reply : new Reply[] {applied, conditional, append}) {
            assertEquals(503, reply.status(), reply.toString());
            assertEquals("UNAVAILABLE", reply.str("error"));
            assertTrue(reply.str("message").contains("no materializer"), reply.body());
        }
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aFormEncodedBodyIsTheValueAsItIsWhateverItsSizeOrShape() {
        // Given a value as curl -d sends it: form-urlencoded, 20 KiB, with '&' and '=' and an empty name
        String value = "=x&".repeat(7_000);

        // When it is written
        Reply reply = client.send("PUT", url + "/v1/kv/form?id=form-1", "application/x-www-form-urlencoded", value);

        // Then the writer took it as a value (and only the log, which never answers, failed it):
        // not a form decoded (which failed with 500 past 8 KiB, or 400 on the empty name)
        assertEquals(504, reply.status(), reply.toString());
        assertEquals("OperationFailed", reply.str("result"));
        assertEquals("form-1", reply.str("id"));
    }
}
