package io.kvlog.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.node.internal.ConnectionGuard;
import io.kvlog.node.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node's HTTP server options and {@link ConnectionGuard} on a real server (127.0.0.1, a free
 * port) with short timeouts: half-sent heads, idle keep-alive connections, slow bodies, too long
 * request lines and headers, too many connections. Sockets write what a hostile client would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionGuardTest {

    private static final Duration HEAD = Duration.ofMillis(1500);
    private static final Duration IDLE = Duration.ofMillis(1000);
    private static final Duration BODY = Duration.ofMillis(1000);
    private static final Duration READ = Duration.ofSeconds(10);
    private static final HttpLimits LIMITS = HttpLimits.defaults().withTimeouts(HEAD, IDLE, BODY)
            .withMaxConnections(400);

    private final Vertx vertx = Vertx.vertx();
    private final List<Socket> sockets = new ArrayList<>();
    private ConnectionGuard guard;
    private RawHttp http;

    @AfterEach
    void close() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        vertx.close().await();
    }

    /** A server with the node's options and guard: GET /hello, GET /slow (answers after 2.5 idle timeouts), PUT /body. */
    private void serve(HttpLimits limits) throws Exception {
        NodeIdentity node = new NodeIdentity("node-1", "http://127.0.0.1");
        Router router = Router.router(vertx);
        Replies.install(router, node);
        router.get("/hello").handler(ctx -> Replies.json(ctx, 200, new JsonObject().put("hello", "world")));
        router.get("/slow").handler(ctx -> vertx.setTimer(IDLE.toMillis() * 5 / 2,
                t -> Replies.json(ctx, 200, new JsonObject().put("slow", true))));
        router.put("/body").handler(BodyHandler.create(false).setBodyLimit(1 << 20))
                .handler(ctx -> Replies.json(ctx, 200, new JsonObject().put("bytes", ctx.body().length())));
        guard = new ConnectionGuard(vertx, limits, node);
        HttpServer server = guard.install(vertx.createHttpServer(Node.httpServerOptions(limits)), router)
                .requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        http = RawHttp.to(URI.create("http://127.0.0.1:" + server.actualPort()), READ);
    }

    @Test
    void twoHundredHalfSentHeadsDoNotStopANormalRequestAndAreClosedAfterTheHeadTimeout() throws Exception {
        // Given a server, and 200 connections that each sent half a request head
        serve(LIMITS);
        long opened = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            Socket socket = open();
            socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        }

        // When a normal request is sent
        RawHttp.Reply reply = http.send("GET", "/hello", List.of(), null);

        // Then it is served
        assertEquals(200, reply.status(), reply.toString());
        // And every half-sent connection is closed, after the head timeout and not before
        for (Socket socket : sockets) {
            assertClosed(socket);
        }
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
        assertTrue(elapsed >= HEAD.toMillis() - 100, "closed after " + elapsed + " ms, before the head timeout");
        awaitOpen(0);
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        // Given a keep-alive connection that has been answered
        serve(LIMITS);
        Socket socket = open();
        socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(200, RawHttp.read(socket.getInputStream()).status());
        long answered = System.nanoTime();

        // When it sends nothing more, Then it is closed after the idle timeout and not before
        assertClosed(socket);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
        assertTrue(elapsed >= IDLE.toMillis() - 100, "closed after " + elapsed + " ms, before the idle timeout");
    }

    @Test
    void aRequestInFlightLongerThanTheIdleAndHeadTimeoutsIsAnswered() throws Exception {
        // Given a server, When a request takes 2.5 idle timeouts to answer (as a watch stays open)
        serve(LIMITS);
        RawHttp.Reply reply = http.send("GET", "/slow", List.of(), null);

        // Then it is answered all the same
        assertEquals(200, reply.status(), reply.toString());
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIsAnswered408AndItsConnectionClosed() throws Exception {
        // Given a request that announces 100 bytes of body and sends 10
        serve(LIMITS);
        Socket socket = open();
        socket.getOutputStream().write(("PUT /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
                .getBytes(StandardCharsets.US_ASCII));

        // When the body timeout passes, Then the request is answered 408 with a JSON error
        RawHttp.Reply reply = RawHttp.read(socket.getInputStream());
        assertEquals(408, reply.status(), reply.toString());
        assertError(reply, "REQUEST_TIMEOUT");
        // And the connection is closed
        assertClosed(socket);
    }

    @Test
    void aBodyThatArrivesInTimeIsServed() throws Exception {
        serve(LIMITS);
        RawHttp.Reply reply = http.send("PUT", "/body", List.of(), new byte[100_000]);
        assertEquals(200, reply.status(), reply.toString());
        assertEquals("{\"bytes\":100000}", reply.text());
    }

    @Test
    void aTooLongRequestLineIsAnswered414AndTooLargeHeaders431() throws Exception {
        serve(LIMITS);
        // a request line of the longest allowed is served
        String longest = "/hello?x=" + "a".repeat(LIMITS.maxRequestLineBytes() - "GET /hello?x= HTTP/1.1".length());
        assertEquals(200, http.send("GET", longest, List.of(), null).status());

        RawHttp.Reply line = http.send("GET", longest + "a", List.of(), null);
        assertEquals(414, line.status(), line.toString());
        assertError(line, "REQUEST_LINE_TOO_LONG");

        RawHttp.Reply headers = http.send("GET", "/hello",
                List.of(java.util.Map.entry("X-Big", "b".repeat(LIMITS.maxHeaderBytes()))), null);
        assertEquals(431, headers.status(), headers.toString());
        assertError(headers, "HEADERS_TOO_LARGE");
    }

    @Test
    void aConnectionBeyondTheMostOpenIsClosedAsItOpens() throws Exception {
        // Given a server that allows 3 open connections, holding 3
        serve(LIMITS.withMaxConnections(3));
        for (int i = 0; i < 3; i++) {
            open();
        }
        awaitOpen(3);

        // When a fourth opens, Then it is closed before the head timeout
        long opened = System.nanoTime();
        Socket fourth = open();
        assertClosed(fourth);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
        assertTrue(elapsed < HEAD.toMillis(), "the fourth was closed only after " + elapsed + " ms");
        // And once the three are gone, a request is served again
        for (Socket socket : sockets) {
            socket.close();
        }
        awaitOpen(0);
        assertEquals(200, http.send("GET", "/hello", List.of(), null).status());
    }

    private Socket open() throws IOException {
        Socket socket = http.connect();
        sockets.add(socket);
        return socket;
    }

    /** The server closes {@code socket} within the read deadline: reads see its end or a reset, not a timeout. */
    private static void assertClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            int b;
            do {
                b = in.read();
            } while (b >= 0);
        } catch (SocketException reset) {
            // closed with data unread: a reset is a close too
        }
    }

    private void awaitOpen(int expected) throws InterruptedException {
        long deadline = System.nanoTime() + READ.toNanos();
        while (guard.open() != expected) {
            assertTrue(System.nanoTime() < deadline, "open connections " + guard.open() + ", expected " + expected);
            Thread.sleep(20);
        }
    }

    private static void assertError(RawHttp.Reply reply, String code) {
        assertEquals("application/json", reply.header("Content-Type"));
        JsonObject body = new JsonObject(reply.text());
        assertEquals(code, body.getString("error"), reply.toString());
        assertTrue(body.getString("message", "").length() > 0, reply.toString());
        assertEquals("close", reply.header("Connection"));
    }
}
