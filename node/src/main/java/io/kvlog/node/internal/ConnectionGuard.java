package io.kvlog.node.internal;

import io.kvlog.http.NodeIdentity;
import io.kvlog.node.HttpLimits;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow and idle clients from holding a node's HTTP server, by the {@link HttpLimits}:
 * <ul>
 *   <li>a new connection that has not sent a whole request head within the head timeout is closed
 *       (a client that trickles its head, or sends none);</li>
 *   <li>a connection without a request in flight for the idle timeout is closed (counted from its
 *       last response; a request in flight, such as a watch, keeps it open however long it runs);</li>
 *   <li>a request whose body has not arrived whole within the body timeout of its head is answered
 *       408 and its connection closed (unless its route has started answering without the body);</li>
 *   <li>a connection beyond the most open ones is closed as it opens;</li>
 *   <li>a request the HTTP decoder refuses (a request line or headers over their limits, a malformed
 *       head) is answered 414, 431 or 400 with the API's JSON error, and its connection closed.</li>
 * </ul>
 * It sees connections through the server's connection handler and requests through a route of
 * the router that runs before every other ({@link #ROUTE_ORDER}). Every connection's state is
 * touched only on that connection's event loop.
 */
public final class ConnectionGuard {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    /** The order of the route that sees every request first: before the node header and everything else. */
    public static final int ROUTE_ORDER = -100_000;

    private final Vertx vertx;
    private final HttpLimits limits;
    private final NodeIdentity node;
    private final Map<HttpConnection, Guarded> connections = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();

    public ConnectionGuard(Vertx vertx, HttpLimits limits, NodeIdentity node) {
        this.vertx = vertx;
        this.limits = limits;
        this.node = node;
    }

    /** Guards {@code server}, which is to serve {@code router}; returns the server. */
    public HttpServer install(HttpServer server, Router router) {
        router.route().order(ROUTE_ORDER).handler(this::arrived);
        return server.connectionHandler(this::opened).invalidRequestHandler(this::invalid);
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }

    private void opened(HttpConnection connection) {
        Guarded guarded = new Guarded(connection);
        connections.put(connection, guarded);
        open.incrementAndGet();
        connection.closeHandler(v -> {
            guarded.closed = true;
            guarded.cancel();
            connections.remove(connection);
            open.decrementAndGet();
        });
        if (open.get() > limits.maxConnections()) {
            LOG.warn("{} open connections, more than the {} allowed: closing the one from {}", open.get(),
                    limits.maxConnections(), connection.remoteAddress());
            connection.close();
            return;
        }
        guarded.closeAfter(limits.headTimeout(), "sent no whole request head");
    }

    private void arrived(RoutingContext ctx) {
        Guarded guarded = connections.get(ctx.request().connection());
        if (guarded != null) {
            guarded.inFlight++;
            guarded.cancel();
            ctx.addEndHandler(done -> guarded.ended());
            if (hasBody(ctx.request())) {
                long timer = vertx.setTimer(limits.bodyTimeout().toMillis(), t -> bodyLate(ctx));
                ctx.addEndHandler(done -> vertx.cancelTimer(timer));
            }
        }
        ctx.next();
    }

    /** The body timed out: unless it arrived or the route answers without it, 408 and close. */
    private void bodyLate(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        if (request.isEnded() || response.ended() || response.closed() || response.headWritten()) {
            return;
        }
        LOG.info("{} {} from {}: body not whole within {} ms ({} bytes read); closing", request.method(),
                request.path(), request.remoteAddress(), limits.bodyTimeout().toMillis(), request.bytesRead());
        refuse(request, 408, "REQUEST_TIMEOUT", "the request body did not arrive whole within "
                + limits.bodyTimeout().toMillis() + " ms of its head (" + request.bytesRead() + " bytes arrived)");
    }

    /** A request the HTTP decoder refused: the JSON error for its cause, then the connection is closed. */
    private void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpLineException) {
            refuse(request, 414, "REQUEST_LINE_TOO_LONG", "the request line is longer than "
                    + limits.maxRequestLineBytes() + " bytes");
        } else if (cause instanceof TooLongHttpHeaderException) {
            refuse(request, 431, "HEADERS_TOO_LARGE", "the request headers are larger than "
                    + limits.maxHeaderBytes() + " bytes");
        } else {
            refuse(request, 400, "BAD_REQUEST", "malformed HTTP request: "
                    + (cause == null ? "unknown" : cause.getMessage()));
        }
    }

    private void refuse(HttpServerRequest request, int status, String code, String message) {
        HttpConnection connection = request.connection();
        request.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close")
                .putHeader(NodeIdentity.NODE_HEADER, node.nodeId())
                .end(new JsonObject().put("error", code).put("message", message).encode())
                .onComplete(sent -> connection.close());
    }

    /** A request announces a body: a length above zero, or chunks. */
    private static boolean hasBody(HttpServerRequest request) {
        if (request.headers().contains("Transfer-Encoding")) {
            return true;
        }
        String length = request.getHeader("Content-Length");
        return length != null && !length.equals("0");
    }

    /** One connection's requests in flight and its one pending close; touched on its event loop only. */
    private final class Guarded {
        private final HttpConnection connection;
        private int inFlight;
        private long timer = -1;
        private boolean closed;

        Guarded(HttpConnection connection) {
            this.connection = connection;
        }

        void ended() {
            inFlight--;
            if (inFlight == 0 && !closed) {
                closeAfter(limits.idleTimeout(), "was idle");
            }
        }

        void closeAfter(Duration timeout, String why) {
            cancel();
            timer = vertx.setTimer(timeout.toMillis(), t -> {
                timer = -1;
                LOG.debug("connection from {} {} for {} ms: closing", connection.remoteAddress(), why,
                        timeout.toMillis());
                connection.close();
            });
        }

        void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
