package io.kvlog.query;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.MaterializerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * N in-process kvlog nodes for integration tests: each its own Vert.x, HTTP server on a free
 * 127.0.0.1 port, {@link Materializer} (same application id, own state directory,
 * {@code application.server} = its HTTP address) and {@link QueryService} mounted on it.
 */
final class TestNodes implements AutoCloseable {

    /** One node; {@link #crash()} stops it without a goodbye (the group notices at its session timeout). */
    static final class Node {
        final String id;
        final String url;
        final Vertx vertx;
        final Materializer materializer;
        final QueryService query;
        final HttpServer server;
        volatile boolean alive = true;

        Node(String id, String url, Vertx vertx, Materializer materializer, QueryService query, HttpServer server) {
            this.id = id;
            this.url = url;
            this.vertx = vertx;
            this.materializer = materializer;
            this.query = query;
            this.server = server;
        }

        /** Stops serving at once and leaves Streams' group by timing out, not by leaving. */
        void crash() {
            alive = false;
            server.close();
            materializer.close(Duration.ZERO);
            query.close();
            vertx.close();
        }

        void close() {
            if (!alive) {
                return;
            }
            alive = false;
            server.close().await();
            query.close();
            materializer.close(Duration.ofSeconds(20));
            vertx.close().await();
        }

        /** This node's copies: partition -> active. */
        Map<Integer, Boolean> copies() {
            return materializer.localCopies();
        }

        @Override
        public String toString() {
            return id + "@" + url;
        }
    }

    private final List<Node> nodes;

    private TestNodes(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** Starts {@code count} nodes on {@code bootstrapServers} with the default read timeout and waits until they run. */
    static TestNodes start(String bootstrapServers, String applicationId, int count, Path stateRoot) throws Exception {
        return start(bootstrapServers, applicationId, count, stateRoot, QueryConfig.DEFAULT_READ_TIMEOUT);
    }

    /** Starts {@code count} nodes whose reads time out after {@code readTimeout}, and waits until they run. */
    static TestNodes start(String bootstrapServers, String applicationId, int count, Path stateRoot,
                           Duration readTimeout) throws Exception {
        List<Node> nodes = new ArrayList<>();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        try {
            for (int i = 1; i <= count; i++) {
                int port = freePort();
                String id = "node-" + i;
                String url = "http://127.0.0.1:" + port;
                NodeIdentity identity = new NodeIdentity(id, url);
                Path stateDir = Files.createDirectories(stateRoot.resolve(id));
                Materializer materializer = new Materializer(
                        MaterializerConfig.defaults(bootstrapServers, stateDir, "127.0.0.1:" + port)
                                .withApplicationId(applicationId));
                Vertx vertx = Vertx.vertx();
                QueryService query = new QueryService(vertx, materializer,
                        QueryConfig.defaults(bootstrapServers).withReadTimeout(readTimeout), identity);
                Router router = Router.router(vertx);
                Replies.install(router, identity);
                query.mount(router);
                HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1").await();
                nodes.add(new Node(id, url, vertx, materializer, query, server));
                started.add(CompletableFuture.runAsync(() -> {
                    try {
                        materializer.start(Duration.ofSeconds(90));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }));
            }
            CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            nodes.forEach(Node::close);
            throw e;
        }
        return new TestNodes(nodes);
    }

    List<Node> all() {
        return nodes;
    }

    Node node(int index) {
        return nodes.get(index);
    }

    List<Node> alive() {
        return nodes.stream().filter(n -> n.alive).toList();
    }

    /** The live node holding the active copy of {@code partition}, or null. */
    Node activeFor(int partition) {
        return alive().stream().filter(n -> Boolean.TRUE.equals(n.copies().get(partition))).findFirst().orElse(null);
    }

    /** A live node holding a standby copy of {@code partition}, or null. */
    Node standbyFor(int partition) {
        return alive().stream().filter(n -> Boolean.FALSE.equals(n.copies().get(partition))).findFirst().orElse(null);
    }

    /**
     * Waits until every partition has exactly one active copy and a copy on every live node, and
     * every node's metadata agrees on where the actives are.
     */
    void awaitSettled(int partitions, Duration timeout) throws InterruptedException {
        awaitTrue("every partition active once and copied on every node", timeout, () -> {
            for (int p = 0; p < partitions; p++) {
                int actives = 0;
                for (Node node : alive()) {
                    Boolean active = node.copies().get(p);
                    if (active == null) {
                        return false;
                    }
                    actives += active ? 1 : 0;
                }
                if (actives != 1) {
                    return false;
                }
            }
            for (Node node : alive()) {
                var all = node.materializer.allNodes();
                if (all.size() != alive().size()) {
                    return false;
                }
            }
            return true;
        });
    }

    static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (IllegalStateException e) {
                // not running yet
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        nodes.forEach(node -> closing.add(CompletableFuture.runAsync(node::close)));
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).join();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
