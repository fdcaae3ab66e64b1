package io.kvlog.node;

import io.kvlog.http.NodeSecurity;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;

/**
 * A node's route table served alone on a free port of 127.0.0.1, for tests of the web console:
 * no Kafka and no writer or query role behind it (the key-value calls and {@code /v1/cluster}
 * answer the API's JSON 404 once past the guard, {@code /metrics} a 503), but the access guard,
 * the public paths and the console's static files are the node's own. Shared through the node's
 * test-jar: the cli module's ConsoleIT signs in to one with auth on, in the JVM of its test,
 * instead of starting a second cluster.
 */
public final class RouterOnlyNode implements AutoCloseable {

    // created in serve(), closed in close() (with the server and the guard's reload timer)
    private final Vertx vertx;
    private final String url;

    private RouterOnlyNode(Vertx vertx, String url) {
        this.vertx = vertx;
        this.url = url;
    }

    /**
     * @param stateDir the node's state directory as its config names it (nothing is written there)
     * @param security auth as a node would have it ({@link NodeSecurity#NONE}: off); no TLS
     * @throws IllegalArgumentException as {@link Node#Node} does: the auth file does not check, or
     *                                  the node token is not an admin's in it
     */
    public static RouterOnlyNode serve(Path stateDir, NodeSecurity security) {
        // the config's port is not bound: the server below takes a free one
        NodeConfig config = new NodeConfig(1, "127.0.0.1", 8080, "127.0.0.1:9", stateDir, 3, 1, Duration.ofSeconds(1),
                Duration.ofHours(24), 1 << 20, EnumSet.of(Role.MATERIALIZER), NodeConfig.DEFAULT_NODE_TIMEOUT,
                16L << 20, Map.of(), HttpLimits.defaults(), security);
        Node node = new Node(config);
        Vertx vertx = Vertx.vertx();
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(node.router(vertx, null, null))
                    .listen(0, "127.0.0.1").await();
            return new RouterOnlyNode(vertx, "http://127.0.0.1:" + server.actualPort());
        } catch (RuntimeException e) {
            vertx.close().await();
            throw e;
        }
    }

    /** {@code http://127.0.0.1:PORT}, no trailing slash. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
