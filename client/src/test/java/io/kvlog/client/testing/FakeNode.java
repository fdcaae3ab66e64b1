package io.kvlog.client.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A kvlog node faked on 127.0.0.1, on a free port: answers each request with a handler, and
 * records what it was asked. A streaming handler may {@link #hold} its stream open until the node
 * is closed. Shared with the cli module's tests (the client's test-jar).
 */
public final class FakeNode implements AutoCloseable {

    /** What the node was asked. */
    public record Request(String method, String path, String query, String lastEventId, String accept, String body) {

        /** The path and, if any, {@code ?query}, as sent (percent-encoded). */
        public String target() {
            return query == null ? path : path + "?" + query;
        }
    }

    /** Answers the {@code n}th request (from 0). */
    public interface Handler {
        void handle(HttpExchange exchange, int n) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private FakeNode(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            int n;
            synchronized (requests) {
                n = requests.size();
                requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Last-Event-ID"),
                        exchange.getRequestHeaders().getFirst("Accept"),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            }
            try {
                handler.handle(exchange, n);
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(threads); // a stream held open must not stop the next request
        server.start();
    }

    public static FakeNode start(Handler handler) throws IOException {
        return new FakeNode(handler);
    }

    /** A node that answers every request with {@code status} and the JSON {@code body}. */
    public static FakeNode replying(int status, String body) throws IOException {
        return start((exchange, n) -> reply(exchange, status, body));
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Request> requests() {
        return requests;
    }

    public static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** Starts an event stream: 200, {@code text/event-stream}, {@code X-KV-Watch}. */
    public static OutputStream stream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().add("X-KV-Watch", "w-1");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    /** Writes raw SSE text and flushes it. */
    public static void send(OutputStream stream, String text) throws IOException {
        stream.write(text.getBytes(StandardCharsets.UTF_8));
        stream.flush();
    }

    /** A change as the node sends it: {@code id:} then {@code data:} then a blank line. */
    public static String change(String id, String json) {
        return "id: " + id + "\ndata: " + json + "\n\n";
    }

    /** Keeps a stream open until the node is closed (at most 30 s). */
    public void hold() {
        try {
            closed.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
