package io.kvlog.node.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.Replies;
import io.kvlog.http.auth.AccessGuard;
import io.kvlog.http.auth.Permission;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.Validation;
import io.kvlog.writer.AckLevel;
import io.kvlog.writer.WriteReply;
import io.kvlog.writer.WriteRequest;
import io.kvlog.writer.WriterService;
import io.kvlog.http.Params;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code POST /v1/ops}: the message protocol. The body is a JSON array of
 * {@code {"op":"Insert"|"Remove"|"Get","key","value","id"}}; the reply is an array of
 * {@code OperationAck}/{@code OperationFailed}/{@code GetResult} in request order.
 *
 * <p>The whole array is checked before anything runs: one bad element is a 400 naming it, and
 * nothing is appended. Then the operations run one after the other, each with the write
 * deadline. {@code ?wait=} applies to every write of the array. The principal must be allowed every
 * operation ({@code read} for a Get, {@code write} for the others, and {@code read} too for a write
 * whose reply tells the key's state) or none runs: a 403 names the first it may not.
 */
public final class OpsHandler {

    /** Most operations in one request. */
    public static final int MAX_OPS = 1000;

    private final WriterService writer;
    private final Function<Op, Future<JsonObject>> reader;
    private final Duration ackTimeout;
    private final int maxValueBytes;

    /** One checked operation of the array. */
    public record Op(String type, String key, String value, String id) {
    }

    /**
     * @param writer the write role, or null if this node has none
     * @param reader answers a Get with its GetResult body, or null if this node has no query role
     */
    public OpsHandler(WriterService writer, Function<Op, Future<JsonObject>> reader, Duration ackTimeout,
                      int maxValueBytes) {
        this.writer = writer;
        this.reader = reader;
        this.ackTimeout = ackTimeout;
        this.maxValueBytes = maxValueBytes;
    }

    public void mount(Router router) {
        router.post("/v1/ops").handler(BodyHandler.create(false).setBodyLimit((long) MAX_OPS * (maxValueBytes + 2048L)))
                .handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new ApiException(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type: /v1/ops takes application/json, got "
                    + Validation.quote(type));
        }
        AckLevel ack = Params.choice(ctx, "wait", AckLevel.class, AckLevel.LOG);
        List<Op> ops = parse(ctx.body().asString());
        // every operation is allowed, or none runs
        for (Op op : ops) {
            if (op.type().equals("Get")) {
                AccessGuard.require(ctx, Permission.READ, op.key());
            } else {
                AccessGuard.require(ctx, Permission.WRITE, op.key());
                WriterService.requireReadIfItReportsTheKey(ctx, write(op, ack));
            }
        }
        JsonArray out = new JsonArray();
        runInOrder(ops, 0, ack, out).onComplete(done ->
                ctx.response().putHeader("Content-Type", "application/json").end(out.encode()));
    }

    /**
     * Runs the operations one after the other, each with its own deadline, so a Get sees the
     * writes before it in the array and none after it.
     */
    private Future<Void> runInOrder(List<Op> ops, int next, AckLevel ack, JsonArray out) {
        if (next == ops.size()) {
            return Future.succeededFuture();
        }
        return run(ops.get(next), ack, System.nanoTime() + ackTimeout.toNanos())
                .compose(reply -> {
                    out.add(reply);
                    return runInOrder(ops, next + 1, ack, out);
                });
    }

    private Future<JsonObject> run(Op op, AckLevel ack, long deadline) {
        if (op.type().equals("Get")) {
            if (reader == null) {
                return Future.succeededFuture(failed(op, "Get is not served by this node (it has no query role)"));
            }
            return reader.apply(op).otherwise(e -> failed(op, e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        if (writer == null) {
            return Future.succeededFuture(failed(op, op.type() + " is not served by this node (it has no writer role)"));
        }
        return writer.write(write(op, ack), deadline).map(WriteReply::body);
    }

    /** The write an Insert or Remove stands for. */
    private static WriteRequest write(Op op, AckLevel ack) {
        Event event = op.type().equals("Insert") ? Event.insert(op.id(), op.value()) : Event.remove(op.id());
        return new WriteRequest(op.key(), event, ack);
    }

    private static JsonObject failed(Op op, String reason) {
        return new JsonObject().put("result", "OperationFailed").put("id", op.id()).put("key", op.key())
                .put("reason", reason);
    }

    /** Parses and checks the array; a 400 names the first bad element. */
    List<Op> parse(String body) {
        JsonArray array;
        try {
            array = new JsonArray(body == null ? "" : body);
        } catch (DecodeException | ClassCastException e) {
            throw ApiException.badRequest("body: must be a JSON array of operations, e.g. "
                    + "[{\"op\":\"Insert\",\"key\":\"k\",\"value\":\"v\",\"id\":\"1\"}]: " + e.getMessage());
        }
        if (array.isEmpty() || array.size() > MAX_OPS) {
            throw ApiException.badRequest("body: must hold 1-" + MAX_OPS + " operations, got " + array.size());
        }
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String where = "ops[" + i + "]";
            if (!(array.getValue(i) instanceof JsonObject o)) {
                throw ApiException.badRequest(where + ": must be an object, got " + array.getValue(i));
            }
            try {
                String type = string(o, "op");
                if (!List.of("Insert", "Remove", "Get").contains(type)) {
                    throw new IllegalArgumentException("op: must be Insert, Remove or Get, got " + Validation.quote(type));
                }
                String key = Validation.key(string(o, "key"));
                String id = o.containsKey("id") ? Validation.id(string(o, "id")) : WriterService.newId();
                String value = null;
                if (type.equals("Insert")) {
                    value = Validation.value(string(o, "value"), maxValueBytes);
                } else if (o.containsKey("value")) {
                    throw new IllegalArgumentException("value: only Insert takes a value");
                }
                ops.add(new Op(type, key, value, id));
            } catch (IllegalArgumentException | ClassCastException e) {
                throw ApiException.badRequest(where + "." + e.getMessage());
            }
        }
        return ops;
    }

    private static String string(JsonObject o, String field) {
        Object v = o.getValue(field);
        if (v == null) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(field + ": must be a string, got " + v);
        }
        return s;
    }
}
