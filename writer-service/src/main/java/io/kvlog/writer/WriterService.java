package io.kvlog.writer;

import io.kvlog.http.ApiException;
import io.kvlog.http.Deadline;
import io.kvlog.http.Deadlines;
import io.kvlog.http.Members;
import io.kvlog.http.Params;
import io.kvlog.http.Replies;
import io.kvlog.http.auth.AccessGuard;
import io.kvlog.http.auth.Permission;
import io.kvlog.materializer.Materializer;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.EventType;
import io.kvlog.protocol.Expect;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.Validation;
import io.kvlog.writer.internal.EventLog;
import io.kvlog.writer.internal.PeerConfirmations;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * The write path: {@code PUT /v1/kv/{key}}, {@code DELETE /v1/kv/{key}},
 * {@code POST /v1/kv/{key}/append}, and {@link #write} for {@code POST /v1/ops}.
 *
 * <p>A write is checked, appended to {@code kv.events} through the node's one idempotent
 * producer, and answered {@code OperationAck} only once its ack level is confirmed: the log
 * (acks=all), this node's copy's apply ({@code applied}: the outcome is read from this copy), or
 * every live node's copy's ({@code all}: each live node is asked with a waiting call; a node that
 * stops being live is not waited for). Conditional writes and appends always wait for the apply
 * outcome. Whatever is not confirmed by the
 * deadline ({@code ack-timeout} from arrival) is answered {@code OperationFailed} with the reason:
 * the outcome is then unknown, and a retry with the same id is safe (the materializer applies an
 * id once). Beyond {@code maxInFlight} writes at once, new ones get 503 with {@code Retry-After}.
 */
public final class WriterService implements AutoCloseable {

    /** Routing-context key of the request's arrival time (System.nanoTime). */
    private static final String ARRIVED_AT = "kv.arrivedAt";

    private final Vertx vertx;
    private final WriterConfig config;
    private final EventLog log;
    private final Materializer copy;
    private final PeerConfirmations peers;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final WriteOutcomes outcomes = new WriteOutcomes();

    /**
     * @param copy    this node's copy, for the apply outcome; null if the node runs no materializer
     *                (then only unconditional {@code wait=log} writes are served)
     * @param members the live nodes, for {@code wait=all}
     * @param self    this node's id (not asked over HTTP: its own copy is waited on directly)
     */
    public WriterService(Vertx vertx, WriterConfig config, Materializer copy, Members members, String self) {
        this.vertx = vertx;
        this.config = config;
        this.log = new EventLog(config.bootstrapServers(), config.ackTimeout(), config.maxValueBytes(),
                config.kafkaClient());
        this.copy = copy;
        this.peers = new PeerConfirmations(vertx, members, self, config.ackTimeout(), config.security());
    }

    /** Adds the write routes. */
    public void mount(Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(config.maxValueBytes());
        // the deadline runs from arrival: noted by a route of its own, since Vert.x wants the body
        // handler first on a route, and it would run only once the whole body is read
        router.put("/v1/kv/:key").handler(this::arrived);
        router.delete("/v1/kv/:key").handler(this::arrived);
        router.post("/v1/kv/:key/append").handler(this::arrived);
        router.put("/v1/kv/:key").handler(body).handler(ctx -> handle(ctx, EventType.Insert));
        router.delete("/v1/kv/:key").handler(ctx -> handle(ctx, EventType.Remove));
        router.post("/v1/kv/:key/append").handler(body).handler(ctx -> handle(ctx, EventType.Append));
        // an empty key matches no route above: say so, rather than "no such path"
        router.put("/v1/kv/").handler(this::emptyKey);
        router.delete("/v1/kv/").handler(this::emptyKey);
    }

    /** Notes when the request arrived, and refuses a declared body larger than a value may be before reading it. */
    private void arrived(RoutingContext ctx) {
        ctx.put(ARRIVED_AT, System.nanoTime());
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            // what curl -d sends: the value is the body as it is, never decoded as a form (Vert.x would
            // decode it, and fail on a body of more than 8 KiB or an '&' without a name)
            ctx.request().headers().set("Content-Type", "text/plain; charset=utf-8");
        }
        String length = ctx.request().getHeader("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Content-Length: must be a whole number, got " + Validation.quote(length));
            }
            if (declared > config.maxValueBytes()) {
                throw new ApiException(413, "TOO_LARGE", "value: must be at most " + config.maxValueBytes()
                        + " bytes of UTF-8, got a body of " + declared + " bytes");
            }
        }
        ctx.next();
    }

    private void emptyKey(RoutingContext ctx) {
        throw ApiException.badRequest("key: must be 1-" + Validation.MAX_KEY_BYTES
                + " bytes of UTF-8 after /v1/kv/, got none");
    }

    /** Writes this many requests are in flight now (for readiness and status). */
    public int inFlight() {
        return inFlight.get();
    }

    /** This node's writes by outcome, since start. */
    public WriteOutcomes outcomes() {
        return outcomes;
    }

    /** The node's producer to {@code kv.events}, for its client metrics (read them only: it is the writer's). */
    public org.apache.kafka.clients.producer.Producer<?, ?> producer() {
        return log.producer();
    }

    /** A fresh id for a request that came without one. */
    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * Appends the request's event and completes with its reply by the deadline
     * ({@link System#nanoTime()} based). Never fails: every failure is an {@code OperationFailed}.
     */
    public Future<WriteReply> write(WriteRequest request, long deadline) {
        Future<WriteReply> reply = writeUncounted(request, deadline);
        reply.onSuccess(done -> outcomes.count(done.status()));
        return reply;
    }

    private Future<WriteReply> writeUncounted(WriteRequest request, long deadline) {
        String id = request.event().id();
        AckLevel ack = request.effectiveAck();
        if (ack != AckLevel.LOG && copy == null) {
            return Future.succeededFuture(new WriteReply(503, errorBody("UNAVAILABLE",
                    "this node runs no materializer: only unconditional writes with wait=log are served here")));
        }
        if (inFlight.incrementAndGet() > config.maxInFlight()) {
            inFlight.decrementAndGet();
            return Future.succeededFuture(new WriteReply(503, errorBody("OVERLOADED",
                    "more than " + config.maxInFlight() + " writes in flight on this node; retry after 1 s")));
        }
        Context context = vertx.getOrCreateContext();
        Promise<WriteReply> reply = Promise.promise();
        AtomicReference<String> stage = new AtomicReference<>(
                "the log did not acknowledge the append (acks=all): not enough in-sync replicas or brokers unreachable");
        long remaining = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        long timer = vertx.setTimer(remaining, t -> reply.tryComplete(WriteReply.failed(id, request.key(),
                notConfirmed(stage))));
        reply.future().onComplete(done -> {
            vertx.cancelTimer(timer);
            inFlight.decrementAndGet();
        });

        Future.fromCompletionStage(log.append(request.key(), EventCodec.encode(request.event())), context)
                .onFailure(e -> reply.tryComplete(WriteReply.failed(id, request.key(), reason(e))))
                .onSuccess(appended -> {
                    String token = appended.partition() + ":" + appended.offset();
                    if (ack == AckLevel.LOG) {
                        // what the event makes the key's version once applied (a duplicate id: see the README)
                        long version = request.event().type() == EventType.Remove ? 0
                                : io.kvlog.protocol.Entry.versionAt(appended.offset());
                        reply.tryComplete(WriteReply.ack(id, request.key(), version, token, null));
                        return;
                    }
                    stage.set("offset " + appended.offset() + " of partition " + appended.partition()
                            + " not applied by this node's copy in time");
                    awaitApply(request, appended, ack, deadline, stage)
                            .onSuccess(outcome -> reply.tryComplete(fromOutcome(outcome, request.key(), token)))
                            .onFailure(e -> reply.tryComplete(e instanceof ApiException refusal
                                    ? WriteReply.refused(id, refusal) : WriteReply.failed(id, request.key(), e.getMessage())));
                });
        return reply.future();
    }

    /** The outcome of the appended event, once this copy (and with {@code all}, every live copy) applied it. */
    private Future<Outcome> awaitApply(WriteRequest request, RecordMetadata appended, AckLevel ack, long deadline,
                                       AtomicReference<String> stage) {
        int partition = appended.partition();
        long offset = appended.offset();
        Deadline until = new Deadline(deadline);
        Future<Outcome> applied = Deadlines.await(vertx, copy.positions().await(partition, offset), until,
                        () -> new IllegalStateException(notConfirmed(stage)))
                .compose(position -> vertx.executeBlocking(() -> outcomeAt(request, partition, offset), false));
        if (ack != AckLevel.ALL) {
            return applied;
        }
        return applied.compose(outcome -> {
            stage.set("offset " + offset + " of partition " + partition
                    + " applied by this node's copy, not by every live node's copy in time");
            return peers.confirm(partition, offset, until, stage).map(outcome);
        });
    }

    /** Why a write failed at its deadline: the stage it had reached. */
    private String notConfirmed(AtomicReference<String> stage) {
        return "not confirmed within " + config.ackTimeout().toMillis() + " ms: " + stage.get();
    }

    /** The outcome this copy recorded for the request's event, which it has applied (runs on a worker). */
    private Outcome outcomeAt(WriteRequest request, int partition, long offset) {
        String id = request.event().id();
        Outcome outcome = copy.outcome(partition, id);
        if (outcome == null) {
            // applied, but no outcome under this id: the id's outcome expired and was purged
            throw new IllegalStateException("offset " + offset + " of partition " + partition
                    + " is applied but its outcome is gone (past the dedupe window)");
        }
        if (!outcome.key().equals(request.key())) {
            // the id's first write was to another key: its outcome is not this key's, and not this
            // principal's to read (the other key is not named)
            throw new ApiException(409, "ID_IN_USE", "id " + Validation.quote(id) + " is the id of an earlier write"
                    + " to another key, so this write counted as its duplicate and did nothing; give each write its"
                    + " own id");
        }
        return outcome;
    }

    private static WriteReply fromOutcome(Outcome outcome, String key, String token) {
        // a duplicate repeats the first outcome of its id: the effect happened once, then
        if (outcome.version() != null) {
            return WriteReply.ack(outcome.id(), key, outcome.version(), token, outcome.value());
        }
        if (outcome.status() == Outcome.Status.TOO_LARGE) {
            return WriteReply.tooLarge(outcome.id(), key, outcome.currentVersion(), token);
        }
        return WriteReply.preconditionFailed(outcome.id(), key, outcome.currentVersion(), token);
    }

    private static String reason(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof NotEnoughReplicasException || cause instanceof NotEnoughReplicasAfterAppendException) {
            return "not enough in-sync replicas: " + cause.getMessage();
        }
        if (cause instanceof TimeoutException) {
            return "the log did not acknowledge the append in time (brokers unreachable or not enough in-sync"
                    + " replicas): " + cause.getMessage();
        }
        return "the log refused the append: " + cause;
    }

    private void handle(RoutingContext ctx, EventType type) {
        Long arrivedAt = ctx.get(ARRIVED_AT);
        long deadline = (arrivedAt == null ? System.nanoTime() : arrivedAt) + config.ackTimeout().toNanos();
        WriteRequest request = parse(ctx, type);
        requireReadIfItReportsTheKey(ctx, request);
        write(request, deadline).onComplete(done -> {
            WriteReply reply = done.result();
            if (reply.status() == 503) {
                ctx.response().putHeader("Retry-After", "1");
            }
            Replies.json(ctx, reply.status(), reply.body());
        });
    }

    /**
     * A write answered from its apply ({@link WriteRequest#effectiveAck} past {@code LOG}: an
     * append, a conditional write, {@code wait=applied|all}) tells the key's state (an append's new
     * value, the current version, whether a delete found the key), so its principal needs
     * {@code read} on the key as well as {@code write}: else a 403.
     */
    public static void requireReadIfItReportsTheKey(RoutingContext ctx, WriteRequest request) {
        if (request.effectiveAck() != AckLevel.LOG) {
            AccessGuard.require(ctx, Permission.READ, request.key());
        }
    }

    private WriteRequest parse(RoutingContext ctx, EventType type) {
        String key = Validation.key(ctx.pathParam("key"));
        String id = Params.id(ctx).orElseGet(WriterService::newId);
        AckLevel ack = Params.choice(ctx, "wait", AckLevel.class, AckLevel.LOG);
        Optional<Long> ifVersion = Params.nonNegativeLong(ctx, "if-version");
        Optional<Boolean> ifExists = Params.bool(ctx, "if-exists");
        Expect expect = ifVersion.isEmpty() && ifExists.isEmpty() ? null
                : new Expect(ifVersion.orElse(null), ifExists.orElse(null));
        Event event = switch (type) {
            case Insert -> Event.insert(id, value(ctx));
            case Append -> Event.append(id, value(ctx));
            case Remove -> Event.remove(id);
        };
        return new WriteRequest(key, expect == null ? event : event.expecting(expect), ack);
    }

    private String value(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type != null) {
            // the body is the value, taken as-is: text of any kind, raw bytes, or what curl sends by
            // default (form-urlencoded); multipart forms and media are not values
            String media = type.toLowerCase(Locale.ROOT);
            boolean binaryMedia = media.startsWith("multipart/") || media.startsWith("image/")
                    || media.startsWith("audio/") || media.startsWith("video/");
            boolean utf8 = !media.contains("charset=") || media.contains("charset=utf-8");
            if (binaryMedia || !utf8) {
                throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type: the value is the body as UTF-8"
                        + " text (e.g. text/plain; charset=utf-8), got " + Validation.quote(type));
            }
        }
        Buffer body = ctx.body().buffer();
        byte[] bytes = body == null ? new byte[0] : body.getBytes();
        if (bytes.length > config.maxValueBytes()) {
            throw new ApiException(413, "TOO_LARGE", "value: at most " + config.maxValueBytes() + " bytes, got "
                    + bytes.length);
        }
        return Validation.value(bytes, config.maxValueBytes());
    }

    private static io.vertx.core.json.JsonObject errorBody(String code, String message) {
        return new io.vertx.core.json.JsonObject().put("error", code).put("message", message);
    }

    @Override
    public void close() {
        log.close();
        peers.close();
    }
}
