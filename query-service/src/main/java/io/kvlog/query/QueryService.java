package io.kvlog.query;

import io.kvlog.http.NodeIdentity;
import io.kvlog.materializer.Materializer;
import io.kvlog.protocol.Token;
import io.kvlog.query.internal.Deadline;
import io.kvlog.query.internal.Hosts;
import io.kvlog.query.internal.KafkaHighWatermarks;
import io.kvlog.query.internal.MaterializerCopies;
import io.kvlog.query.internal.PartitionCount;
import io.kvlog.query.internal.ReadApi;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The read API of a node (DESIGN.md "Read consistency", "HTTP API"): gets by key at a
 * consistency level, key-ordered scans over all partitions, the cluster view and digests.
 * Answers from this node's copies ({@link Materializer}) or forwards to the node whose copy must
 * answer; any node serves any read.
 *
 * <p>Mount its routes on a router that has {@code Replies.install} (JSON errors, node header).
 * Bad input is a 400 naming it; a read no fitting copy could serve within
 * {@link QueryConfig#readTimeout()} is a 503 saying why. Store reads never run on the event loop.
 *
 * <p>Owns an {@link Admin} client and a web client: created in the constructor, closed in
 * {@link #close()}. Does not own the Vert.x instance, the materializer or the router.
 */
public final class QueryService implements AutoCloseable {

    private final QueryConfig config;
    private final Admin admin;
    private final ReadApi api;

    public QueryService(Vertx vertx, Materializer materializer, QueryConfig config, NodeIdentity node) {
        this.config = config;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "kvlog-query-" + node.nodeId(),
                // lookups are bounded per call by the read timeout; this only caps a single request
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, config.readTimeout().toMillis())));
        this.api = new ReadApi(vertx, new MaterializerCopies(materializer),
                new KafkaHighWatermarks(admin, config.readTimeout()), PartitionCount.of(admin, config.readTimeout()),
                admin, config, node, Hosts.parse(materializer.config().applicationServer()));
    }

    /**
     * Adds {@code GET /v1/kv/:key}, {@code GET /v1/kv} (scan), {@code GET /v1/cluster},
     * {@code GET /v1/admin/digest} and the internal routes other nodes use
     * ({@code /v1/internal/range}, {@code /v1/internal/copies}) to the router.
     */
    public void mount(Router router) {
        api.mount(router);
    }

    /**
     * The Get of {@code POST /v1/ops}: same semantics as {@code GET /v1/kv/:key}. Completes with
     * the reply (200 or 404, body {@code GetResult}, headers); fails with
     * {@link IllegalArgumentException} or {@link io.kvlog.http.ApiException} (400, 503) that
     * {@code Replies.failure} turns into the error reply.
     *
     * @param id the request id to echo, null if none
     */
    public Future<GetReply> get(String key, Consistency consistency, Optional<Token> after, String id) {
        return api.get(key, consistency, after, id, Deadline.in(config.readTimeout()), false);
    }

    /** Closes the admin client and the web client. */
    @Override
    public void close() {
        api.close();
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
