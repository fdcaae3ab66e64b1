package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Params;
import io.kvlog.http.auth.AccessGuard;
import io.kvlog.http.auth.Permission;
import io.kvlog.http.auth.Principal;
import io.kvlog.materializer.Materializer;
import io.kvlog.protocol.PositionVector;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The watches of one node: {@code GET /v1/watch} opens one ({@link Watch}), {@code POST
 * /v1/watch/{id}/progress} asks one for a progress event now. Every watch shares the node's one
 * {@link io.kvlog.materializer.ChangeFeed}; catch-ups from the log run on their own threads
 * (one per catching-up watch, ended when it goes live; at most {@value #MAX_CATCH_UPS} at once,
 * more are answered 503 with {@code Retry-After}). Closing stops every watch with an
 * {@code error} event naming why.
 */
public final class Watches implements AutoCloseable {

    /** The response header naming the watch (for its progress requests). */
    public static final String WATCH_HEADER = "X-KV-Watch";
    static final int DEFAULT_PROGRESS_MS = 5_000;
    /** How many watches may read the log at once on a node (each with its own consumer and thread). */
    static final int MAX_CATCH_UPS = 16;

    private final Materializer copy;
    private final LogReader log;
    private final NodeIdentity node;
    private final long maxBufferedBytes;
    private final Map<String, Watch> open = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong closedTooSlow = new AtomicLong();
    /** What all watches buffer together, bounded by a quarter of the heap. */
    private final AtomicLong buffered = new AtomicLong();
    private final long maxBuffered = Runtime.getRuntime().maxMemory() / 4;
    private final java.util.concurrent.Semaphore catchUpSlots = new java.util.concurrent.Semaphore(MAX_CATCH_UPS);
    // created here, shut down in close()
    private final ExecutorService catchUps = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "kv-watch-catch-up");
        thread.setDaemon(true);
        return thread;
    });

    /** @param maxBufferedBytes how far (bytes of changes) a watcher may fall behind before it is closed */
    public Watches(Materializer copy, LogReader log, NodeIdentity node, long maxBufferedBytes) {
        this.copy = copy;
        this.log = log;
        this.node = node;
        this.maxBufferedBytes = maxBufferedBytes;
    }

    /** {@code GET /v1/watch?key=K | prefix=P &from=now|0|POSITION &progress-ms=N}, {@code Last-Event-ID}. */
    public void open(RoutingContext ctx) {
        String key = Params.optionalKey(ctx, "key");
        if (key != null && ctx.request().getParam("prefix") != null) {
            throw ApiException.badRequest("key and prefix: give one (key=K watches one key, prefix=P the keys"
                    + " under P, none every key), got both");
        }
        String prefix = key != null ? null : Objects.requireNonNullElse(Params.optionalKey(ctx, "prefix"), "");
        Principal reader = AccessGuard.principal(ctx);
        if (key != null) {
            AccessGuard.require(ctx, Permission.READ, key);
        } else if (reader.prefixes(Permission.READ).stream().noneMatch(p -> p.startsWith(prefix) || prefix.startsWith(p))) {
            throw AccessGuard.forbidden(reader.name() + " may not watch prefix " + Validation.quote(prefix)
                    + ": none of its roles grants read on a key under it");
        }
        int progressMs = Params.intInRange(ctx, "progress-ms", 100, 600_000, DEFAULT_PROGRESS_MS);
        String resume = ctx.request().getHeader("Last-Event-ID");
        String from = resume != null && !resume.isBlank() ? resume : ctx.request().getParam("from", "now");
        if (!copy.ready()) {
            throw new ApiException(503, "NOT_READY", node.nodeId() + " cannot serve watches: its copy is "
                    + copy.state());
        }
        long[] start = start(from, resume != null && !resume.isBlank() ? "Last-Event-ID" : "from",
                key == null ? null : Topics.partitionOf(key, copy.partitions()));
        String id = node.nodeId() + "-w" + ids.incrementAndGet();
        Watch watch = watch(ctx, id, key, prefix, reader, start, progressMs);
        if (watch.tryLive(copy.feed())) {
            return;
        }
        if (!catchUpSlots.tryAcquire()) {
            watch.discard();
            ctx.response().putHeader("Retry-After", "1");
            throw new ApiException(503, "TOO_MANY_CATCH_UPS", node.nodeId() + " is already reading the history for "
                    + MAX_CATCH_UPS + " watches; retry shortly, or watch from now");
        }
        watch.begin();
        try {
            catchUps.execute(() -> {
                try {
                    watch.catchUp(log, copy.feed());
                } finally {
                    catchUpSlots.release();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            catchUpSlots.release();
            watch.close(Watch.NODE_STOPPING, node.nodeId() + " is stopping; resume on another node");
        }
    }

    /** The watch of this request, registered; the response's headers are set but nothing is written yet. */
    private Watch watch(RoutingContext ctx, String id, String key, String prefix, Principal reader, long[] start,
                        int progressMs) {
        HttpServerResponse response = ctx.response();
        response.setChunked(true).setStatusCode(200)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader(WATCH_HEADER, id);
        Context context = Vertx.currentContext();
        Watch watch = new Watch(id, key, prefix, reader, copy, start, response, context,
                () -> ctx.request().connection().close(),
                maxBufferedBytes, buffered, maxBuffered,
                Duration.ofMillis(progressMs), code -> {
                    open.remove(id);
                    if (Watch.TOO_SLOW.equals(code)) {
                        closedTooSlow.incrementAndGet();
                    }
                });
        open.put(id, watch);
        response.closeHandler(v -> watch.close(null, null));
        return watch;
    }

    /** {@code POST /v1/watch/:id/progress}: the watch sends a progress event once what is queued before it is sent. */
    public void progress(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Watch watch = open.get(id);
        // another principal's watch is answered as no watch at all: its existence is not theirs to learn
        if (watch == null || !watch.reader().name().equals(AccessGuard.principal(ctx).name())) {
            throw new ApiException(404, "NO_SUCH_WATCH", "no open watch " + Validation.quote(id) + " on "
                    + node.nodeId() + " (watches are per node: ask the node that serves it)");
        }
        watch.requestProgress();
        io.kvlog.http.Replies.json(ctx, 202, new JsonObject().put("watch", id));
    }

    /** What {@code /v1/node} shows: open watches, the bytes of changes they hold, how many were closed as too slow. */
    public JsonObject stats() {
        return new JsonObject().put("open", open.size()).put("bufferedBytes", buffered.get())
                .put("maxBufferedBytesPerWatch", maxBufferedBytes).put("maxBufferedBytes", maxBuffered)
                .put("closedTooSlow", closedTooSlow.get());
    }

    /**
     * Where a watch from {@code from} starts, per partition; null for now. A position names some
     * partitions; the ones it does not name start where this copy is now.
     */
    private long[] start(String from, String name, Integer keyPartition) {
        if (from.equals("now")) {
            return null;
        }
        long[] start = new long[copy.partitions()];
        if (from.equals("0")) {
            java.util.Arrays.fill(start, -1);
            return start;
        }
        PositionVector position;
        try {
            position = PositionVector.parse(from);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name + ": must be now, 0 (the beginning of the log) or a position; "
                    + e.getMessage());
        }
        for (int p = 0; p < start.length; p++) {
            start[p] = copy.positions().applied(p);
        }
        position.offsets().forEach((partition, offset) -> {
            if (partition >= start.length) {
                throw ApiException.badRequest(name + ": partition " + partition + " is not one of the "
                        + start.length + " partitions of " + Topics.EVENTS);
            }
            start[partition] = offset;
        });
        if (keyPartition != null && position.offset(keyPartition) == null) {
            throw ApiException.badRequest(name + ": position " + position + " does not name partition " + keyPartition
                    + ", the watched key's; pass a position of this watch, or a token of this key");
        }
        return start;
    }

    /**
     * Ends, with an error event, each watch whose principal {@code current} no longer knows or
     * knows with other grants (the auth file changed): a revoked token or a narrowed role stops
     * its streams too. The client may open the watch again, with what it may read now.
     */
    public void revalidate(java.util.function.Function<String, java.util.Optional<Principal>> current) {
        open.values().forEach(watch -> {
            java.util.Optional<Principal> now = current.apply(watch.reader().name());
            if (now.isEmpty()) {
                watch.closeFromAnyThread(Watch.ACCESS_CHANGED, watch.reader().name()
                        + " is no longer in the auth file; this watch is closed");
            } else if (!now.get().prefixes().equals(watch.reader().prefixes())) {
                watch.closeFromAnyThread(Watch.ACCESS_CHANGED, watch.reader().name()
                        + "'s permissions changed; this watch is closed: open it again");
            }
        });
    }

    /** Ends every watch with an error event saying the node is stopping. */
    @Override
    public void close() {
        open.values().forEach(watch -> watch.closeFromAnyThread(Watch.NODE_STOPPING,
                node.nodeId() + " is stopping; resume on another node from the last event id"));
        catchUps.shutdownNow();
    }
}
