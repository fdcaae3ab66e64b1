package io.kvlog.node;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.kafka.EventTopic;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.node.internal.OpsHandler;
import io.kvlog.query.Consistency;
import io.kvlog.query.GetReply;
import io.kvlog.query.QueryConfig;
import io.kvlog.query.QueryService;
import io.kvlog.writer.WriterConfig;
import io.kvlog.writer.WriterService;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kvlog node: the roles of its {@link NodeConfig} on one HTTP port.
 *
 * <p>{@link #start} binds the HTTP server first (so {@code /v1/health} answers while copies are
 * restored), then starts the materializer and returns once it is {@code RUNNING}: from then on
 * {@code /v1/ready} answers 200. {@link #close} is the SIGTERM path: it stops taking requests,
 * lets those in flight be answered (or fail by their deadline), flushes the producer, and closes
 * Streams, leaving the group so its active copies fail over at once.
 */
public final class Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final NodeConfig config;
    private final NodeIdentity identity;
    // created in start(), closed in close()
    private Vertx vertx;
    private HttpServer server;
    private Materializer materializer;
    private WriterService writer;
    private QueryService query;
    private Admin admin; // created on first use, closed in close()
    private volatile boolean closing;
    private volatile boolean started;

    public Node(NodeConfig config) {
        this.config = config;
        this.identity = new NodeIdentity(config.name(), config.url());
    }

    public NodeConfig config() {
        return config;
    }

    /** Starts every role and waits until the node is ready, or fails naming what did not start. */
    public void start(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (config.runs(Role.MATERIALIZER)) {
            ensureTopic();
            materializer = new Materializer(MaterializerConfig.defaults(config.bootstrapServers(), config.stateDir(),
                            config.address())
                    .withStandbyReplicas(config.standbyReplicas())
                    .withReplicationFactor(config.replicationFactor())
                    .withDedupeWindow(config.dedupeWindow()));
        }
        vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(32));
        Router router = Router.router(vertx);
        Replies.install(router, identity);
        router.get("/v1/health").handler(this::health);
        router.get("/v1/ready").handler(this::ready);
        router.get("/v1/node").handler(this::describe);
        if (config.runs(Role.WRITER)) {
            writer = new WriterService(vertx, new WriterConfig(config.bootstrapServers(), config.ackTimeout(),
                    config.maxValueBytes(), WriterConfig.DEFAULT_MAX_IN_FLIGHT), materializer);
            writer.mount(router);
        }
        if (config.runs(Role.QUERY)) {
            query = new QueryService(vertx, materializer, QueryConfig.defaults(config.bootstrapServers())
                    .withReadTimeout(config.ackTimeout()), identity);
            query.mount(router);
        }
        new OpsHandler(writer, query == null ? null : this::opsGet, config.ackTimeout(), config.maxValueBytes())
                .mount(router);
        try {
            server = vertx.createHttpServer().requestHandler(router).listen(config.port(), config.host())
                    .await(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            throw new IllegalStateException(config.name() + " cannot listen on " + config.address() + ": " + e.getMessage(), e);
        }
        LOG.info("{} listening on {} with roles {}", config.name(), config.url(), config.roles());
        if (materializer != null) {
            materializer.start(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        started = true;
        LOG.info("{} ready", config.name());
    }

    /** The Get of {@code POST /v1/ops}: a linearizable read, its GetResult (404 included) as the reply. */
    private io.vertx.core.Future<JsonObject> opsGet(OpsHandler.Op op) {
        return query.get(op.key(), Consistency.LINEARIZABLE, java.util.Optional.empty(), op.id()).map(GetReply::body);
    }

    /**
     * True when every role of this node can serve: the materializer has been {@code RUNNING} (its
     * active copies restored) and still is, or is rebalancing — copies keep serving reads while
     * partitions move, and a read a copy cannot serve is forwarded or answered 503.
     */
    public boolean isReady() {
        return !closing && server != null && (materializer == null || (started && materializer.state().isRunningOrRebalancing()));
    }

    private void health(RoutingContext ctx) {
        Replies.json(ctx, 200, new JsonObject().put("status", "up").put("node", config.name()));
    }

    private void ready(RoutingContext ctx) {
        if (isReady()) {
            Replies.json(ctx, 200, new JsonObject().put("status", "ready").put("node", config.name()));
        } else {
            String why = closing ? "shutting down"
                    : "materializer is " + (materializer == null ? "not started" : materializer.state());
            Replies.error(ctx, 503, "NOT_READY", config.name() + " is not ready: " + why);
        }
    }

    /** {@code GET /v1/node}: this node, its roles, and the copies it holds with their lag behind the log. */
    private void describe(RoutingContext ctx) {
        vertx.executeBlocking(this::describeNow, false)
                .onSuccess(body -> Replies.json(ctx, 200, body))
                .onFailure(e -> Replies.failure(ctx, e));
    }

    private JsonObject describeNow() {
        JsonObject body = new JsonObject().put("node", config.name()).put("id", config.nodeId()).put("url", config.url())
                .put("roles", new io.vertx.core.json.JsonArray(config.roles().stream()
                        .map(r -> r.name().toLowerCase(java.util.Locale.ROOT)).sorted().toList()))
                .put("ready", isReady());
        if (materializer == null) {
            return body;
        }
        body.put("state", materializer.state().name());
        java.util.Map<Integer, Boolean> copies = materializer.localCopies();
        java.util.Map<Integer, Long> ends = endOffsets(copies.keySet());
        io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonArray();
        long totalLag = 0;
        for (var copy : copies.entrySet()) {
            int p = copy.getKey();
            var read = materializer.position(p, false);
            long position = read instanceof io.kvlog.materializer.Read.Hit<Long> hit ? hit.value() : -1;
            Long end = ends.get(p);
            // the end offset is the next offset to be written: a copy that applied end-1 is caught up
            Long lag = end == null ? null : Math.max(0, end - 1 - position);
            totalLag += lag == null ? 0 : lag;
            list.add(new JsonObject().put("partition", p).put("copy", copy.getValue() ? "active" : "standby")
                    .put("position", position).put("lag", lag));
        }
        return body.put("copies", list).put("lag", totalLag);
    }

    private java.util.Map<Integer, Long> endOffsets(java.util.Set<Integer> partitions) {
        java.util.Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request =
                new java.util.HashMap<>();
        partitions.forEach(p -> request.put(new org.apache.kafka.common.TopicPartition(io.kvlog.protocol.Topics.EVENTS, p),
                org.apache.kafka.clients.admin.OffsetSpec.latest()));
        java.util.Map<Integer, Long> ends = new java.util.HashMap<>();
        try {
            admin().listOffsets(request).all().get(2, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("{}: end offsets unavailable: {}", config.name(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ends;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties props = new Properties();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
            admin = Admin.create(props);
        }
        return admin;
    }

    private void ensureTopic() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(props)) {
            java.util.Map<String, String> configs = new java.util.HashMap<>(EventTopic.Expected.forCluster(
                    config.partitions(), config.replicationFactor()).configs());
            // room for the largest event this node's max value makes
            configs.put("max.message.bytes", Integer.toString(io.kvlog.protocol.Topics.maxEventBytes(config.maxValueBytes())));
            EventTopic.Result result = EventTopic.ensure(admin, new EventTopic.Expected(config.partitions(),
                    (short) config.replicationFactor(), configs));
            LOG.info("{} kv.events {}", config.name(), result == EventTopic.Result.CREATED ? "created" : "verified");
        }
    }

    private void awaitQuietly(io.vertx.core.Future<?> closing, String what) {
        try {
            closing.await(config.ackTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("{}: {} did not close in time", config.name(), what);
        } catch (RuntimeException e) {
            LOG.warn("{}: closing {} failed", config.name(), what, e);
        }
    }

    @Override
    public void close() {
        closing = true;
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
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(2));
            }
        }
        if (vertx != null) {
            awaitQuietly(vertx.close(), "Vert.x");
        }
        LOG.info("{} stopped", config.name());
    }
}
