package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Params;
import io.kvlog.http.Replies;
import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Token;
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
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The read API's routes and handlers, one method each; the pieces behind them are built here
 * from what {@link io.kvlog.query.QueryService} (or a test) gives.
 *
 * <p>Handlers parse and check their input on the event loop (bad input: 400 naming it) and
 * leave every store read to {@link KeyReads}, {@link Scans} and {@link ClusterView}, which run
 * them off the event loop.
 */
public final class ReadApi implements AutoCloseable {

    /** Default {@code limit=} of a scan (bounded by {@link QueryConfig#maxScanLimit()}). */
    public static final int DEFAULT_SCAN_LIMIT = 100;
    /** The most entries one internal range page may ask for (scans ask at most their limit + 1). */
    private static final int MAX_RANGE_PAGE = 100_000;
    /** How long a digest may take. */
    private static final Duration DIGEST_TIMEOUT = Duration.ofSeconds(30);
    /** How often a waiting read looks at its copy's position. */
    private static final long POLL_MILLIS = 2;

    private final Vertx vertx;
    private final LocalCopies copies;
    private final QueryConfig config;
    private final NodeIdentity node;
    private final PartitionCount partitions;
    private final Forwarder forwarder;
    private final KeyReads reads;
    private final Scans scans;
    private final ClusterView cluster;

    /**
     * @param admin  for the brokers of {@code /v1/cluster}; not closed here
     * @param self   this node as Streams names it (its {@code application.server})
     */
    public ReadApi(Vertx vertx, LocalCopies copies, ReadIndex.HighWatermarkSource highWatermarks,
                   PartitionCount partitions, Admin admin, QueryConfig config, NodeIdentity node, HostInfo self) {
        this.vertx = vertx;
        this.copies = copies;
        this.config = config;
        this.node = node;
        this.partitions = partitions;
        ReadIndex readIndex = new ReadIndex(highWatermarks);
        this.forwarder = new Forwarder(vertx, node);
        ReadBarrier barrier = new ReadBarrier(vertx, copies::position, POLL_MILLIS);
        this.reads = new KeyReads(vertx, copies, readIndex, barrier, forwarder, partitions, node, self);
        this.scans = new Scans(vertx, copies, readIndex, barrier, forwarder, partitions, self);
        this.cluster = new ClusterView(vertx, copies, admin, readIndex, forwarder, partitions, node, self);
    }

    public void mount(Router router) {
        router.get("/v1/kv/:key").handler(this::getKey);
        router.get("/v1/kv").handler(this::scan);
        router.get("/v1/cluster").handler(this::cluster);
        router.get("/v1/admin/digest").handler(this::digest);
        router.get(Wire.RANGE_PATH).handler(this::range);
        router.get(Wire.COPIES_PATH).handler(this::copies);
    }

    /** The get of {@code GET /v1/kv/:key} and of {@code POST /v1/ops}. */
    public Future<GetReply> get(String key, Consistency consistency, Optional<Token> after, String id,
                                Deadline deadline, boolean forwarded) {
        return Deadlines.guard(vertx, reads.get(key, consistency, after, id, deadline, forwarded), deadline,
                "the read of " + Validation.quote(key));
    }

    @Override
    public void close() {
        forwarder.close();
    }

    private void getKey(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        Consistency consistency = Params.choice(ctx, "consistency", Consistency.class, Consistency.LINEARIZABLE);
        Optional<Token> after = token(ctx);
        String id = Params.id(ctx).orElse(null);
        get(key, consistency, after, id, deadline(ctx), forwarded(ctx)).onComplete(done -> {
            if (done.failed()) {
                Replies.failure(ctx, done.cause());
                return;
            }
            GetReply reply = done.result();
            reply.headers().forEach((name, value) -> ctx.response().putHeader(name, value));
            Replies.json(ctx, reply.status(), reply.body());
        });
    }

    private void scan(RoutingContext ctx) {
        String prefix = optionalKey(ctx, "prefix");
        String start = optionalKey(ctx, "start");
        String end = optionalKey(ctx, "end");
        String cursor = ctx.request().getParam("cursor");
        String afterKey = cursor == null ? null : ScanCursor.decode(cursor);
        int limit = Params.intInRange(ctx, "limit", 1, config.maxScanLimit(),
                Math.min(DEFAULT_SCAN_LIMIT, config.maxScanLimit()));
        Consistency consistency = Params.choice(ctx, "consistency", Consistency.class, Consistency.LINEARIZABLE);
        Optional<Token> after = token(ctx);
        KeyRange range = KeyRange.of(prefix, start, end, afterKey);
        Deadline deadline = deadline(ctx);
        answer(ctx, Deadlines.guard(vertx, scans.scan(range, limit, consistency, after, deadline), deadline,
                "the scan"), page -> {
                    JsonArray items = new JsonArray();
                    page.items().forEach(item -> items.add(new JsonObject().put("key", item.key)
                            .put("value", item.value.value()).put("version", item.value.version())));
                    return new JsonObject().put("items", items)
                            .put("cursor", page.lastKey() == null ? null : ScanCursor.encode(page.lastKey()));
                });
    }

    private void cluster(RoutingContext ctx) {
        Deadline deadline = deadline(ctx);
        answer(ctx, Deadlines.guard(vertx, cluster.view(deadline), deadline, "the cluster view"), view -> view);
    }

    private void digest(RoutingContext ctx) {
        String text = ctx.request().getParam("partition");
        if (text == null) {
            throw ApiException.badRequest("partition: required, a partition of " + Topics.EVENTS);
        }
        Future<JsonObject> digest = Future.fromCompletionStage(partitions.get(), vertx.getOrCreateContext())
                .recover(failure -> Future.failedFuture(ApiException.unavailable(
                        "cannot learn the partitions of " + Topics.EVENTS + ": " + failure.getMessage())))
                .compose(count -> {
                    int partition = Params.intInRange(ctx, "partition", 0, count - 1, -1);
                    return vertx.executeBlocking(() -> digestOf(partition), false);
                });
        // a digest reads the whole partition: it gets longer than a read
        answer(ctx, Deadlines.guard(vertx, digest, Deadline.in(DIGEST_TIMEOUT), "the digest"), body -> body);
    }

    /** Runs off the event loop. */
    private JsonObject digestOf(int partition) {
        Boolean active = copies.localCopies().get(partition);
        if (active == null) {
            throw new ApiException(404, "NOT_HOSTED", "this node (" + node.nodeId() + ") holds no copy of partition "
                    + partition);
        }
        Read<Digest> read = copies.digest(partition, false);
        if (read instanceof Read.Miss<Digest> miss) {
            throw new ApiException(503, "UNAVAILABLE", "no digest of partition " + partition + " on "
                    + node.nodeId() + ": " + miss.reason() + " " + miss.message());
        }
        Digest digest = ((Read.Hit<Digest>) read).value();
        return new JsonObject().put("partition", partition).put("node", node.nodeId()).put("copy", Wire.copy(active))
                .put("offset", digest.offset()).put("sha256", digest.sha256()).put("entries", digest.entries())
                .put("outcomes", digest.outcomes());
    }

    private void range(RoutingContext ctx) {
        int partition = Params.intInRange(ctx, "partition", 0, Integer.MAX_VALUE, -1);
        if (partition < 0) {
            throw ApiException.badRequest("partition: required");
        }
        int max = Params.intInRange(ctx, "max", 1, MAX_RANGE_PAGE, DEFAULT_SCAN_LIMIT);
        long atLeast = offset(ctx, "atLeast");
        boolean active = Params.bool(ctx, "active").orElse(false);
        String from = ctx.request().getParam("from");
        String after = ctx.request().getParam("after");
        String to = ctx.request().getParam("to");
        KeyRange range = new KeyRange(after != null ? after : from, after != null, to);
        Deadline deadline = deadline(ctx);
        answer(ctx, Deadlines.guard(vertx, scans.localPage(new RangeRequest(partition, range, max, atLeast, active),
                deadline), deadline, "the page of partition " + partition), RangePage::toJson);
    }

    private void copies(RoutingContext ctx) {
        Deadline deadline = deadline(ctx);
        answer(ctx, Deadlines.guard(vertx, vertx.executeBlocking(cluster::localCopies, false), deadline,
                "listing this node's copies"), copies -> copies);
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

    private static Optional<Token> token(RoutingContext ctx) {
        String text = ctx.request().getParam("after");
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Token.parse(text));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("after: " + e.getMessage());
        }
    }

    private static String optionalKey(RoutingContext ctx, String name) {
        String text = ctx.request().getParam(name);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Validation.key(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name + ": " + e.getMessage());
        }
    }

    private static long offset(RoutingContext ctx, String name) {
        String text = ctx.request().getParam(name, "-1");
        try {
            long offset = Long.parseLong(text);
            if (offset >= -1) {
                return offset;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest(name + ": must be an offset >= -1, got " + Validation.quote(text));
    }

    private static boolean forwarded(RoutingContext ctx) {
        return ctx.request().getHeader(Wire.FORWARDED_HEADER) != null;
    }

    private Deadline deadline(RoutingContext ctx) {
        Deadline own = Deadline.in(config.readTimeout());
        String text = ctx.request().getHeader(Wire.DEADLINE_HEADER);
        if (text == null) {
            return own;
        }
        try {
            return own.min(Deadline.inMillis(Long.parseLong(text)));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(Wire.DEADLINE_HEADER + ": must be a whole number of milliseconds, got "
                    + Validation.quote(text));
        }
    }
}
