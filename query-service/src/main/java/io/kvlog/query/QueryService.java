package io.kvlog.query;

import io.kvlog.http.Members;
import io.kvlog.http.NodeIdentity;
import io.kvlog.materializer.Materializer;
import io.kvlog.protocol.PositionVector;
import io.kvlog.query.internal.KafkaHighWatermarks;
import io.kvlog.query.internal.LogReader;
import io.kvlog.query.internal.Watches;
import io.kvlog.query.internal.ReadApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The read API of a node (DESIGN.md "Read consistency", "HTTP API"): gets by key at a
 * consistency level, key-ordered scans, the cluster view, digests, and the waiting call other
 * nodes' writers use for {@code wait=all}. Every read is served from this node's own copy
 * ({@link Materializer}); nothing is routed or forwarded.
 *
 * <p>Mount its routes on a router that has {@code Replies.install} (JSON errors, node header).
 * Owns an {@link Admin} client (high watermarks, brokers), the consumers that read the log for
 * history and watches, and the watches: created in the constructor, closed in {@link #close()}. Does not own the Vert.x instance, the materializer or the router.
 */
public final class QueryService implements AutoCloseable {

    private final Admin admin;
    private final LogReader log;
    private final WorkerExecutor historyWorkers;
    private final Watches watches;
    private final ReadApi api;

    /** @param kafkaClient settings every Kafka client of the node takes (security of a real cluster) */
    public QueryService(Vertx vertx, Materializer materializer, Members members, QueryConfig config,
                        NodeIdentity node, Map<String, Object> kafkaClient) {
        Map<String, Object> admin = new HashMap<>(kafkaClient);
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        admin.put(AdminClientConfig.CLIENT_ID_CONFIG, "kvlog-query-" + node.nodeId());
        // lookups are bounded per call by the read timeout; this only caps a single request
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, config.readTimeout().toMillis()));
        this.admin = Admin.create(admin);
        this.log = new LogReader(config.bootstrapServers(), kafkaClient, node.nodeId());
        this.historyWorkers = vertx.createSharedWorkerExecutor("kv-history-" + node.nodeId(), LogReader.POOL);
        this.watches = new Watches(materializer, log, node, config.watchBufferBytes());
        this.api = new ReadApi(vertx, materializer, new KafkaHighWatermarks(this.admin, config.readTimeout()),
                this.admin, members, config, node, log, watches, historyWorkers);
    }

    /**
     * Adds {@code GET /v1/kv/:key} (also {@code ?version=}, {@code ?as-of=}), {@code GET
     * /v1/kv/:key/history}, {@code GET /v1/kv} (scan), {@code GET /v1/watch}, {@code POST
     * /v1/watch/:id/progress}, {@code GET /v1/cluster}, {@code GET /v1/admin/digest} and
     * {@code /v1/admin/applied}.
     */
    public void mount(Router router) {
        api.mount(router);
    }

    /**
     * The Get of {@code POST /v1/ops}: same semantics as {@code GET /v1/kv/:key}. Fails with
     * {@link IllegalArgumentException} or {@link io.kvlog.http.ApiException} that
     * {@code Replies.failure} turns into the error reply.
     *
     * @param id the request id to echo, null if none
     */
    public Future<GetReply> get(String key, Consistency consistency, Optional<PositionVector> after, String id) {
        return api.get(key, consistency, after, id);
    }

    /**
     * The last high watermark of {@code partition} this node looked up (for linearizable reads,
     * {@code /v1/cluster}, or this call), null before the first; starts a lookup, which serves the
     * next call, when that one is older than {@code maxAgeMillis}. Never waits.
     */
    public Long knownHighWatermark(int partition, long maxAgeMillis) {
        return api.knownHighWatermark(partition, maxAgeMillis);
    }

    /** The watches' figures for {@code /v1/node}. */
    public io.vertx.core.json.JsonObject watchStats() {
        return watches.stats();
    }

    /** Ends every watch (an error event tells each client to resume elsewhere); call before the HTTP server stops. */
    /** Ends the watches whose principal is gone from {@code auth}, or has other grants in it. */
    public void revalidateWatches(io.kvlog.http.auth.AuthFile auth) {
        watches.revalidate(auth::principal);
    }

    public void stopWatches() {
        watches.close();
    }

    @Override
    public void close() {
        watches.close();
        historyWorkers.close();
        log.close();
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
