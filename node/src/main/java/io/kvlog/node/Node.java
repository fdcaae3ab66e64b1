package io.kvlog.node;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.http.auth.AccessGuard;
import io.kvlog.http.auth.Permission;
import io.kvlog.kafka.EventTopic;
import io.kvlog.kafka.NodesTopic;
import io.kvlog.materializer.AppliedPositions;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.node.internal.ConnectionGuard;
import io.kvlog.node.internal.Membership;
import io.kvlog.node.internal.NodeMetrics;
import io.kvlog.node.internal.OpsHandler;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import io.kvlog.query.Consistency;
import io.kvlog.query.GetReply;
import io.kvlog.query.QueryConfig;
import io.kvlog.query.QueryService;
import io.kvlog.writer.WriterConfig;
import io.kvlog.writer.WriterService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kvlog node: the roles of its {@link NodeConfig} on one HTTP port, over a full copy of the
 * data (DESIGN.md version 2).
 *
 * <p>{@link #start} binds the HTTP server first (so {@code /v1/health} and {@code /v1/node}, with
 * the replay's progress, answer at once), replays the log into this node's copy up to the high
 * watermarks it sees at start, then joins membership ({@code kv.nodes} heartbeats) and is ready:
 * {@code /v1/ready} answers 200. {@link #close} is the SIGTERM path: it stops taking requests,
 * lets those in flight be answered (or fail by their deadline), leaves membership with a
 * tombstone, flushes the producer and closes the copy (flushed with its positions).
 */
public final class Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    /** Where every node serves the OpenAPI document of its HTTP API. */
    public static final String OPENAPI_PATH = "/v1/openapi.json";
    /** Where the Prometheus scrape is. */
    public static final String METRICS_PATH = "/metrics";
    static final String OPENAPI_RESOURCE = "/io/kvlog/node/openapi.json";
    /**
     * The web console's routes: its page at {@code /}, its own script and style under
     * {@code /console/}, and the front-end libraries it uses, WebJars on the class path, under
     * {@code /webjars/}. Static files from the jar, not calls of the API: the OpenAPI document
     * leaves them out.
     */
    static final List<String> CONSOLE_ROUTES = List.of("/", "/console/*", "/webjars/*");
    /** Where the console's own files are in the jar (a package path: a {@code webroot} in a node's working directory cannot shadow them). */
    static final String CONSOLE_RESOURCES = "io/kvlog/node/console";
    /** Where every WebJar keeps its files. */
    static final String WEBJARS_RESOURCES = "META-INF/resources/webjars";
    private static final Buffer OPENAPI = openApiDocument();

    private final NodeConfig config;
    private final NodeIdentity identity;
    private final AccessGuard guard;
    private final long startedAt = System.currentTimeMillis();
    // created in start(), closed in close()
    private Vertx vertx;
    private HttpServer server;
    private Admin admin;
    private Materializer materializer;
    private Membership membership;
    private WriterService writer;
    private QueryService query;
    private volatile NodeMetrics metrics;
    private volatile boolean closing;

    /** @throws IllegalArgumentException if the auth file does not check, or the node token is not an admin's in it */
    public Node(NodeConfig config) {
        this.config = config;
        this.identity = new NodeIdentity(config.name(), config.url());
        this.guard = new AccessGuard(config.security().authFile(), config.security().requestsPerSecond(), Node::isPublic);
        if (guard.authOn()) {
            String nodeToken = config.security().nodeToken();
            guard.require(file -> file.authenticate(nodeToken).filter(p -> p.mayAll(Permission.ADMIN)).isPresent(),
                    "the node token must be the token of a principal with admin (the nodes call each other's"
                            + " admin routes with it)");
        }
    }

    public NodeConfig config() {
        return config;
    }

    /** Starts every role, replays the log, and returns once the node is ready; fails naming what did not start. */
    public void start(Duration timeout) throws InterruptedException {
        admin = Admin.create(clientConfig(Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000)));
        ensureTopics(timeout);
        if (config.runs(Role.MATERIALIZER)) {
            materializer = new Materializer(MaterializerConfig.defaults(config.bootstrapServers(), config.stateDir(),
                            config.name())
                    .withDedupeWindow(config.dedupeWindow())
                    .withKafkaClient(config.kafkaClient()), config.partitions());
        }
        membership = new Membership(config.bootstrapServers(), config.kafkaClient(), config.name(),
                config.nodeTimeout(), this::heartbeat);
        membership.start();
        metrics = new NodeMetrics(config.name());
        vertx = Vertx.builder().with(metrics.vertxOptions(new VertxOptions().setWorkerPoolSize(32)))
                .withMetrics(metrics.vertxMetrics()).build();
        if (materializer != null) {
            metrics.bind(materializer);
        }
        if (config.runs(Role.WRITER)) {
            writer = new WriterService(vertx, new WriterConfig(config.bootstrapServers(), config.ackTimeout(),
                    config.maxValueBytes(), WriterConfig.DEFAULT_MAX_IN_FLIGHT, config.kafkaClient(), config.security()),
                    materializer,
                    membership, config.name());
            metrics.bind(writer);
        }
        if (config.runs(Role.QUERY)) {
            query = new QueryService(vertx, materializer, membership, QueryConfig.defaults(config.bootstrapServers())
                    .withReadTimeout(config.ackTimeout()).withWatchBufferBytes(config.watchBufferBytes()), identity,
                    config.kafkaClient());
            metrics.bind(query);
            if (materializer != null) {
                metrics.bindHighWatermarks(query, materializer);
            }
        }
        Router router = router(vertx, writer, query);
        if (query != null) {
            guard.onReload(query::revalidateWatches);
        }
        try {
            server = new ConnectionGuard(vertx, config.httpLimits(), identity)
                    .install(vertx.createHttpServer(config.security().server(httpServerOptions(config.httpLimits()))), router)
                    .requestHandler(router).listen(config.port(), config.host()).await(10, TimeUnit.SECONDS);
        } catch (TimeoutException | RuntimeException e) {
            throw new IllegalStateException(config.name() + " cannot listen on " + config.address() + ": "
                    + e.getMessage(), e);
        }
        LOG.info("{} listening on {} with roles {}", config.name(), config.url(), config.roles());
        if (materializer != null) {
            // replays the log up to the high watermarks at start, however long that takes
            materializer.start(timeout);
            metrics.bindClients(materializer);
        }
        membership.join();
        LOG.info("{} ready", config.name());
    }

    /**
     * The HTTP server's own limits on a request's head; {@link ConnectionGuard} enforces the rest of
     * {@code limits} (timeouts, open connections) and answers what these refuse as JSON errors.
     */
    static HttpServerOptions httpServerOptions(HttpLimits limits) {
        // HTTP/1.1 only: the request line and header limits are HTTP/1's, and with cleartext HTTP/2
        // (h2c) on, a connection exists for the guard only once its first bytes tell the protocol
        return new HttpServerOptions().setMaxInitialLineLength(limits.maxRequestLineBytes())
                .setMaxHeaderSize(limits.maxHeaderBytes()).setHttp2ClearTextEnabled(false);
    }

    /**
     * The node's route table, in the order a request meets it: the JSON errors and node header,
     * the node's own calls, then each role's, then the web console's static files
     * ({@link #CONSOLE_ROUTES}). {@link #start} serves it; the check of the OpenAPI document lists
     * it (every route of the API there, nothing more).
     *
     * @param writer the write role, or null if this node has none
     * @param query  the read role, or null if this node has none
     */
    Router router(Vertx vertx, WriterService writer, QueryService query) {
        Router router = Router.router(vertx);
        Replies.install(router, identity);
        guard.install(vertx, router);
        // what a route needs besides a principal: scans, watches and /v1/ops check their keys themselves
        // (a write whose reply tells the key's state needs read too: the writer checks that, by its own rule)
        router.put("/v1/kv/:key").handler(AccessGuard.onKey(Permission.WRITE));
        router.delete("/v1/kv/:key").handler(AccessGuard.onKey(Permission.WRITE));
        router.post("/v1/kv/:key/append").handler(AccessGuard.onKey(Permission.WRITE));
        router.get("/v1/kv/:key").handler(AccessGuard.onKey(Permission.READ));
        router.get("/v1/kv/:key/history").handler(AccessGuard.onKey(Permission.READ));
        router.route("/v1/admin/*").handler(AccessGuard.admin());
        router.get("/v1/health").handler(this::health);
        router.get("/v1/ready").handler(this::ready);
        router.get("/v1/node").handler(this::describe);
        router.get(OPENAPI_PATH).handler(this::openApi);
        router.get(METRICS_PATH).handler(this::metrics);
        if (writer != null) {
            writer.mount(router);
        }
        if (query != null) {
            query.mount(router);
        }
        new OpsHandler(writer, query == null ? null : op -> opsGet(query, op), config.ackTimeout(),
                config.maxValueBytes()).mount(router);
        // the console: "/" is its index page; a file that is not there falls through to the JSON 404.
        // Its files change with the node's version under the same paths: never cached (a few KB);
        // a WebJar's path names its version, so those keep Vert.x's cache headers
        StaticHandler console = StaticHandler.create(CONSOLE_RESOURCES).setDefaultContentEncoding("UTF-8")
                .setCachingEnabled(false);
        router.get(CONSOLE_ROUTES.get(0)).handler(Node::noCache).handler(console);
        router.get(CONSOLE_ROUTES.get(1)).handler(Node::plainFileName).handler(Node::noCache).handler(console);
        router.get(CONSOLE_ROUTES.get(2)).handler(Node::plainFileName).handler(StaticHandler.create(WEBJARS_RESOURCES)
                .setDefaultContentEncoding("UTF-8"));
        return router;
    }

    /**
     * Whether anyone may get {@code path} without a token: health, readiness, the OpenAPI document
     * and the console's static files (the console then calls the API with the token it is given).
     */
    static boolean isPublic(String path) {
        if (path.equals("/v1/health") || path.equals("/v1/ready") || path.equals(OPENAPI_PATH)) {
            return true;
        }
        for (String route : CONSOLE_ROUTES) {
            if (route.endsWith("*") ? path.startsWith(route.substring(0, route.length() - 1)) : path.equals(route)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The static files' names are plain: a path with an escape or a dot segment names none of them
     * (and Vert.x's StaticHandler throws on some, e.g. {@code /console/..%2F..}, found by ApiFuzzIT).
     */
    private static void plainFileName(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path.contains("%") || path.contains("..") || path.contains("\\")) {
            Replies.error(ctx, 404, "NOT_FOUND", "no such file: " + Validation.quote(path));
            return;
        }
        ctx.next();
    }

    private static void noCache(RoutingContext ctx) {
        ctx.response().putHeader("Cache-Control", "no-cache");
        ctx.next();
    }

    /** The Get of {@code POST /v1/ops}: a linearizable read, its GetResult (404 included) as the reply. */
    private static Future<JsonObject> opsGet(QueryService query, OpsHandler.Op op) {
        return query.get(op.key(), Consistency.LINEARIZABLE, Optional.empty(), op.id()).map(GetReply::body);
    }

    /** {@code GET /metrics}: this node's meters in the Prometheus text format. */
    private void metrics(RoutingContext ctx) {
        NodeMetrics meters = metrics;
        if (meters == null) {
            Replies.error(ctx, 503, "NOT_READY", config.name() + " has no metrics yet: it is starting");
            return;
        }
        meters.scrape(ctx);
    }

    /** {@code GET /v1/openapi.json}: the OpenAPI 3.1 document of this API, as the jar carries it. */
    private void openApi(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json").end(OPENAPI);
    }

    /** The OpenAPI document, read once from the jar. */
    static Buffer openApiDocument() {
        try (InputStream in = Node.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the node's jar");
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + OPENAPI_RESOURCE + " from the node's jar", e);
        }
    }

    /** True once this node's copy has caught up with the log as it was at start and keeps applying. */
    public boolean isReady() {
        return !closing && server != null && (materializer == null || materializer.ready());
    }

    private JsonObject heartbeat() {
        JsonObject beat = new JsonObject().put("url", config.url()).put("roles", roles())
                .put("started", startedAt).put("ready", isReady());
        if (materializer != null) {
            JsonObject applied = new JsonObject();
            materializer.positions().snapshot().forEach((p, o) -> applied.put(String.valueOf(p), o));
            beat.put("applied", applied);
        }
        return beat;
    }

    private JsonArray roles() {
        return new JsonArray(config.roles().stream().map(r -> r.name().toLowerCase(Locale.ROOT)).sorted().toList());
    }

    private void health(RoutingContext ctx) {
        Replies.json(ctx, 200, new JsonObject().put("status", "up").put("node", config.name()));
    }

    private void ready(RoutingContext ctx) {
        if (isReady()) {
            Replies.json(ctx, 200, new JsonObject().put("status", "ready").put("node", config.name()));
        } else {
            String why = closing ? "shutting down"
                    : materializer == null ? "starting" : "its copy is " + materializer.state();
            Replies.error(ctx, 503, "NOT_READY", config.name() + " is not ready: " + why);
        }
    }

    /** {@code GET /v1/node}: this node, its roles, its copy's positions and lag, the replay's progress. */
    private void describe(RoutingContext ctx) {
        vertx.executeBlocking(this::describeNow, false)
                .onSuccess(body -> Replies.json(ctx, 200, body))
                .onFailure(e -> Replies.failure(ctx, e));
    }

    private JsonObject describeNow() {
        JsonObject body = new JsonObject().put("node", config.name()).put("id", config.nodeId())
                .put("url", config.url()).put("roles", roles()).put("ready", isReady());
        if (materializer == null) {
            return body;
        }
        body.put("state", materializer.state());
        Map<Integer, Long> positions = materializer.positions().snapshot();
        JsonObject applied = new JsonObject();
        positions.forEach((p, o) -> applied.put(String.valueOf(p), o));
        Long lag = AppliedPositions.lag(positions, endOffsets());
        Materializer.RestoreProgress restore = materializer.restore();
        var counters = materializer.counters();
        return body.put("applied", applied).put("lag", lag)
                .put("restore", new JsonObject().put("events", restore.events())
                        .put("eventsPerSecond", Math.round(restore.eventsPerSecond() * 10) / 10.0)
                        .put("remaining", restore.remaining()).put("done", restore.done())
                        .put("elapsedMs", restore.elapsedMillis()))
                .put("counters", new JsonObject().put("applied", counters.applied())
                        .put("preconditionFailed", counters.preconditionFailed()).put("tooLarge", counters.tooLarge())
                        .put("duplicates", counters.duplicates()).put("alreadyApplied", counters.alreadyApplied())
                        .put("malformed", counters.malformed()).put("noKey", counters.noKey()))
                .put("watches", query == null ? null : query.watchStats());
    }

    private Map<Integer, Long> endOffsets() {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < config.partitions(); p++) {
            request.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
        }
        Map<Integer, Long> ends = new HashMap<>();
        try {
            admin.listOffsets(request).all().get(2, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("{}: end offsets unavailable: {}", config.name(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ends;
    }

    /**
     * Creates (or checks) the topics, retrying while the cluster is still coming up (fewer brokers
     * registered than the replication factor, or none answering) for up to {@code timeout}.
     */
    private void ensureTopics(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                ensureTopics();
                return;
            } catch (IllegalStateException e) {
                boolean startingUp = e.getCause() instanceof org.apache.kafka.common.errors.InvalidReplicationFactorException
                        || e.getCause() instanceof TimeoutException
                        || e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException;
                if (!startingUp || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.info("{}: the Kafka cluster is not ready yet ({}); retrying", config.name(), e.getMessage());
                Thread.sleep(500);
            }
        }
    }

    /** Creates (or checks) {@code kv.events} and {@code kv.nodes}. */
    private void ensureTopics() {
        Map<String, String> configs = new HashMap<>(EventTopic.Expected.forCluster(
                config.partitions(), config.replicationFactor()).configs());
        // room for the largest event this node's max value makes
        configs.put("max.message.bytes", Integer.toString(Topics.maxEventBytes(config.maxValueBytes())));
        EventTopic.Result result = EventTopic.ensure(admin, new EventTopic.Expected(config.partitions(),
                (short) config.replicationFactor(), configs));
        LOG.info("{} {} {}", config.name(), Topics.EVENTS, result == EventTopic.Result.CREATED ? "created" : "verified");
        NodesTopic.ensure(admin, NodesTopic.replicationFactor(config.replicationFactor()));
    }

    private Map<String, Object> clientConfig(Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(config.kafkaClient());
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        settings.putAll(extra);
        return settings;
    }

    private void awaitQuietly(Future<?> closing, String what) {
        try {
            closing.await(config.ackTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{}: {} did not close in time", config.name(), what);
        } catch (RuntimeException e) {
            LOG.warn("{}: closing {} failed", config.name(), what, e);
        }
    }

    @Override
    public void close() {
        closing = true;
        if (membership != null) {
            membership.close();
        }
        if (query != null) {
            query.stopWatches(); // a watch never ends by itself: end them, or the server waits for them
        }
        if (server != null) {
            // stop accepting; requests in flight finish (writes end by their deadline)
            awaitQuietly(server.shutdown(Duration.ofMillis(config.ackTimeout().toMillis() + 1000)), "HTTP server");
        }
        if (writer != null) {
            writer.close();
        }
        if (query != null) {
            query.close();
        }
        if (materializer != null) {
            materializer.close();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
        if (vertx != null) {
            awaitQuietly(vertx.close(), "Vert.x");
        }
        if (metrics != null) {
            metrics.close(); // last: Vert.x reports into it until it is closed
        }
        LOG.info("{} stopped", config.name());
    }
}
