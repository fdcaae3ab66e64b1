package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.Deadline;
import io.kvlog.http.Deadlines;
import io.kvlog.http.Members;
import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Params;
import io.kvlog.http.Replies;
import io.kvlog.http.auth.AccessGuard;
import io.kvlog.http.auth.Permission;
import io.kvlog.http.auth.Principal;
import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Materializer;
import io.kvlog.protocol.PositionVector;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import io.kvlog.query.Consistency;
import io.kvlog.query.GetReply;
import io.kvlog.query.QueryConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;

/**
 * The read API's routes and handlers, one method each. Handlers check their input on the event
 * loop (bad input: 400 naming it) and leave the reads to {@link Reads} and {@link ClusterView}.
 */
public final class ReadApi {

    /** Default {@code limit=} of a scan (bounded by {@link QueryConfig#maxScanLimit()}). */
    public static final int DEFAULT_SCAN_LIMIT = 100;
    /** How long reading a key's history (or a past value) from the log may take. */
    private static final Duration HISTORY_TIMEOUT = Duration.ofSeconds(10);
    /** The last resort, past the history's own timeout (which answers with what it was doing). */
    private static final Duration HISTORY_GUARD = HISTORY_TIMEOUT.plusSeconds(2);
    /** How long a digest may take. */
    private static final Duration DIGEST_TIMEOUT = Duration.ofSeconds(30);

    private final Vertx vertx;
    private final Materializer copy;
    private final QueryConfig config;
    private final NodeIdentity node;
    private final Reads reads;
    private final ReadIndex readIndex;
    private final HistoryReads history;
    private final Watches watches;
    private final ClusterView cluster;

    /** @param admin for {@code /v1/cluster}; not closed here */
    public ReadApi(Vertx vertx, Materializer copy, ReadIndex.HighWatermarkSource highWatermarks, Admin admin,
                   Members members, QueryConfig config, NodeIdentity node, LogReader log, Watches watches,
                   io.vertx.core.WorkerExecutor historyWorkers) {
        this.vertx = vertx;
        this.copy = copy;
        this.config = config;
        this.node = node;
        this.readIndex = new ReadIndex(highWatermarks);
        this.reads = new Reads(vertx, copy, readIndex, node);
        this.history = new HistoryReads(vertx, historyWorkers, copy, reads, log, node);
        this.watches = watches;
        this.cluster = new ClusterView(vertx, admin, readIndex, members, node, copy.partitions());
    }

    /**
     * The last high watermark of {@code partition} any lookup found, null before the first; starts
     * a lookup (its answer serves the next call) when that one is older than {@code maxAgeMillis}.
     */
    public Long knownHighWatermark(int partition, long maxAgeMillis) {
        readIndex.refreshIfOlder(partition, maxAgeMillis);
        ReadIndex.Known known = readIndex.lastKnown(partition);
        return known == null ? null : known.highWatermark();
    }

    public void mount(Router router) {
        router.get("/v1/kv/:key").handler(this::getKey);
        router.get("/v1/kv/:key/history").handler(this::history);
        router.get("/v1/watch").handler(watches::open);
        router.post("/v1/watch/:id/progress").handler(watches::progress);
        router.get("/v1/kv").handler(this::scan);
        router.get("/v1/cluster").handler(this::cluster);
        router.get("/v1/admin/digest").handler(this::digest);
        router.get(Members.APPLIED_PATH).handler(this::applied);
    }

    /** The get of {@code GET /v1/kv/:key} and of {@code POST /v1/ops}. */
    public Future<GetReply> get(String key, Consistency consistency, Optional<PositionVector> after, String id) {
        Deadline deadline = Deadline.in(config.readTimeout());
        return Deadlines.guard(vertx, reads.get(key, consistency, after, id, deadline), deadline,
                "the read of " + Validation.quote(key));
    }

    private void getKey(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        Consistency consistency = Params.choice(ctx, "consistency", Consistency.class, Consistency.LINEARIZABLE);
        Optional<PositionVector> after = token(ctx);
        String id = Params.id(ctx).orElse(null);
        Optional<Long> version = Params.nonNegativeLong(ctx, "version");
        Optional<Instant> asOf = instant(ctx, "as-of");
        Future<GetReply> read;
        if (version.isPresent() && asOf.isPresent()) {
            throw ApiException.badRequest("version and as-of: give one (the value at a version, or at a moment)");
        } else if (version.isPresent()) {
            read = Deadlines.guard(vertx, history.atVersion(key, version.get(), id, Deadline.in(config.readTimeout()),
                    Deadline.in(HISTORY_TIMEOUT)), Deadline.in(HISTORY_GUARD), "version " + version.get() + " of "
                    + Validation.quote(key));
        } else if (asOf.isPresent()) {
            read = Deadlines.guard(vertx, history.asOf(key, asOf.get(), id, Deadline.in(config.readTimeout()),
                    Deadline.in(HISTORY_TIMEOUT)), Deadline.in(HISTORY_GUARD), "the value of " + Validation.quote(key)
                    + " at " + asOf.get());
        } else {
            read = get(key, consistency, after, id);
        }
        read.onComplete(done -> {
            if (done.failed()) {
                Replies.failure(ctx, done.cause());
                return;
            }
            GetReply reply = done.result();
            reply.headers().forEach((name, value) -> ctx.response().putHeader(name, value));
            Replies.json(ctx, reply.status(), reply.body());
        });
    }

    /** {@code GET /v1/kv/:key/history?limit=N&before=VERSION}: the key's versions, newest first. */
    private void history(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        int limit = Params.intInRange(ctx, "limit", 1, HistoryReads.MAX_LIMIT, HistoryReads.DEFAULT_LIMIT);
        long before = Params.nonNegativeLong(ctx, "before").orElse(0L);
        Consistency consistency = Params.choice(ctx, "consistency", Consistency.class, Consistency.LINEARIZABLE);
        Optional<PositionVector> after = token(ctx);
        answer(ctx, Deadlines.guard(vertx, history.page(key, before, limit, consistency, after,
                Deadline.in(config.readTimeout()), Deadline.in(HISTORY_TIMEOUT)), Deadline.in(HISTORY_GUARD),
                "the history of " + Validation.quote(key)), page -> page);
    }

    private void scan(RoutingContext ctx) {
        String prefix = Params.optionalKey(ctx, "prefix");
        String start = Params.optionalKey(ctx, "start");
        String end = Params.optionalKey(ctx, "end");
        String cursor = ctx.request().getParam("cursor");
        String afterKey = cursor == null ? null : ScanCursor.decode(cursor);
        int limit = Params.intInRange(ctx, "limit", 1, config.maxScanLimit(),
                Math.min(DEFAULT_SCAN_LIMIT, config.maxScanLimit()));
        Consistency consistency = Params.choice(ctx, "consistency", Consistency.class, Consistency.LINEARIZABLE);
        Optional<PositionVector> after = token(ctx);
        KeyRange range = KeyRange.of(prefix, start, end, afterKey);
        Principal principal = AccessGuard.principal(ctx);
        if (principal.prefixes(Permission.READ).isEmpty()) {
            throw AccessGuard.forbidden(principal.name() + " may not scan: none of its roles grants read");
        }
        // only the keys the principal may read: the parts of the range under its read prefixes
        List<KeyRange> parts = principal.mayAll(Permission.READ) ? List.of(range)
                : range.within(principal.prefixes(Permission.READ));
        Deadline deadline = Deadline.in(config.readTimeout());
        answer(ctx, Deadlines.guard(vertx, reads.scan(parts, limit, consistency, after, deadline), deadline,
                "the scan"), page -> {
                    JsonArray items = new JsonArray();
                    page.items().forEach(item -> items.add(new JsonObject().put("key", item.key)
                            .put("value", item.value.value()).put("version", item.value.version())));
                    String next = page.more() ? ScanCursor.encode(page.items().get(page.items().size() - 1).key) : null;
                    return new JsonObject().put("items", items).put("cursor", next);
                });
    }

    private void cluster(RoutingContext ctx) {
        Deadline deadline = Deadline.in(config.readTimeout());
        answer(ctx, Deadlines.guard(vertx, cluster.view(deadline), deadline, "the cluster view"), view -> view);
    }

    private void digest(RoutingContext ctx) {
        if (ctx.request().getParam("partition") == null) {
            throw ApiException.badRequest("partition: required, a partition of " + Topics.EVENTS);
        }
        int partition = Params.intInRange(ctx, "partition", 0, copy.partitions() - 1, -1);
        if (!copy.ready()) {
            throw new ApiException(503, "NOT_READY", node.nodeId() + " has no digest yet: its copy is " + copy.state());
        }
        Future<Digest> digest = vertx.executeBlocking(() -> copy.digest(partition), false);
        answer(ctx, Deadlines.guard(vertx, digest, Deadline.in(DIGEST_TIMEOUT), "the digest"), d -> new JsonObject()
                .put("partition", d.partition()).put("node", node.nodeId()).put("offset", d.offset())
                .put("sha256", d.sha256()).put("entries", d.entries()).put("outcomes", d.outcomes()));
    }

    /** {@code GET /v1/admin/applied?partition=P&offset=O}: answers once this copy has applied offset O of P. */
    private void applied(RoutingContext ctx) {
        int partition = Params.intInRange(ctx, "partition", 0, copy.partitions() - 1, -1);
        long offset = Params.nonNegativeLong(ctx, "offset").orElse(-1L);
        if (partition < 0 || offset < 0) {
            throw ApiException.badRequest("partition and offset: both required, e.g. ?partition=3&offset=1042");
        }
        long waitMs = Math.min(Params.nonNegativeLong(ctx, "wait-ms").orElse(config.readTimeout().toMillis()),
                config.readTimeout().toMillis());
        answer(ctx, reads.applied(partition, offset, Deadline.inMillis(waitMs), "offset " + offset),
                position -> new JsonObject().put("partition", partition).put("position", position)
                        .put("node", node.nodeId()));
    }

    /** Ends the request with 200 and {@code body} of the result, or the error reply of its failure. */
    private static <T> void answer(RoutingContext ctx, Future<T> result, Function<T, JsonObject> body) {
        result.onComplete(done -> {
            if (done.failed()) {
                Replies.failure(ctx, done.cause());
            } else {
                Replies.json(ctx, 200, body.apply(done.result()));
            }
        });
    }

    /** {@code after=}: a token, or a position vector (a client's session: its newest token of each partition). */
    private static Optional<PositionVector> token(RoutingContext ctx) {
        String text = ctx.request().getParam("after");
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(PositionVector.parse(text));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("after: " + e.getMessage());
        }
    }

    private static Optional<Instant> instant(RoutingContext ctx, String name) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            try {
                return Optional.of(OffsetDateTime.parse(text).toInstant());
            } catch (DateTimeParseException again) {
                throw ApiException.badRequest(name + ": must be an ISO-8601 time such as 2026-12-02T06:00:00Z or"
                        + " 2026-12-02T07:00:00+01:00, got " + Validation.quote(text));
            }
        }
    }
}
