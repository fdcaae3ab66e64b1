package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.Deadline;
import io.kvlog.http.Deadlines;
import io.kvlog.http.NodeIdentity;
import io.kvlog.materializer.Materializer;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.PositionVector;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import io.kvlog.query.Consistency;
import io.kvlog.query.GetReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.streams.KeyValue;

/**
 * Gets and scans at a consistency level, all served by this node from its own copy: no routing,
 * no forwarding (DESIGN.md, "Read consistency").
 *
 * <ul>
 *   <li>{@code linearizable}: the read index. The key's partition's high watermark from a lookup
 *       sent after the read arrived ({@link ReadIndex}), then a wait until this copy has applied
 *       up to it (woken by the apply), then the read.</li>
 *   <li>{@code session}: a wait until this copy has applied the token's position, then the read.</li>
 *   <li>{@code eventual}: the read at once; the reply says how far behind the copy is.</li>
 * </ul>
 * A read that cannot be served at its level by the deadline fails (504 when the copy did not
 * catch up in time, 503 when the high watermark could not be learned): never stale data.
 * Store reads run on worker threads, never on the event loop.
 */
public final class Reads {

    /** Eventual and session reads refresh the high watermark their lag is measured against at most this often. */
    private static final long LAG_REFRESH_MILLIS = 1000;

    private final Vertx vertx;
    private final Materializer copy;
    private final ReadIndex readIndex;
    private final NodeIdentity node;

    public Reads(Vertx vertx, Materializer copy, ReadIndex readIndex, NodeIdentity node) {
        this.vertx = vertx;
        this.copy = copy;
        this.readIndex = readIndex;
        this.node = node;
    }

    /**
     * Gets {@code key}. Fails with {@link IllegalArgumentException} on bad input (400), with
     * {@link ApiException} otherwise.
     */
    public Future<GetReply> get(String key, Consistency consistency, Optional<PositionVector> after, String id,
                                Deadline deadline) {
        int partition;
        try {
            if (id != null) {
                Validation.id(id);
            }
            partition = partitionOf(key, after);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return caughtUp(partition, consistency, after, deadline)
                .compose(hw -> vertx.executeBlocking(() -> copy.get(key), false).map(read -> reply(key, id, read, hw)));
    }

    /**
     * The partition of {@code key}, after checking the key and that {@code after} names only
     * partitions {@link Topics#EVENTS} has.
     *
     * @throws IllegalArgumentException if the key is not valid or {@code after} names a partition the topic lacks
     */
    public int partitionOf(String key, Optional<PositionVector> after) {
        Validation.key(key);
        checkPartitions(after);
        return Topics.partitionOf(key, copy.partitions());
    }

    private void checkPartitions(Optional<PositionVector> after) {
        if (after.isPresent() && !after.get().offsets().isEmpty() && after.get().offsets().lastKey() >= copy.partitions()) {
            throw new IllegalArgumentException("after: " + after.get() + " names partition "
                    + after.get().offsets().lastKey() + ", but " + Topics.EVENTS + " has " + copy.partitions());
        }
    }

    /**
     * Completes once this copy may serve a read of {@code partition} at {@code consistency}: with
     * the high watermark the read index learned (linearizable), or -1 (the others). A session
     * read waits for {@code after}'s offset of {@code partition}; its other partitions do not
     * matter here, and a vector that does not name the partition asks for no wait.
     */
    public Future<Long> caughtUp(int partition, Consistency consistency, Optional<PositionVector> after,
                                 Deadline deadline) {
        try {
            ready();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        Future<Long> highWatermark = consistency == Consistency.LINEARIZABLE
                ? lookedUp(readIndex.highWatermark(partition), deadline)
                : Future.succeededFuture(-1L);
        return highWatermark.compose(hw -> {
            long bound = consistency == Consistency.LINEARIZABLE ? hw - 1
                    : consistency == Consistency.SESSION ? sessionOffset(after, partition) : -1;
            String why = consistency == Consistency.LINEARIZABLE
                    ? "offset " + bound + " (the high watermark at arrival, minus 1)"
                    : "offset " + bound + " (after=" + after.map(PositionVector::toString).orElse("") + ")";
            return applied(partition, bound, deadline, why).map(hw);
        });
    }

    private static long sessionOffset(Optional<PositionVector> after, int partition) {
        Long offset = after.map(vector -> vector.offset(partition)).orElse(null);
        return offset == null ? -1 : offset;
    }

    /** A page of a scan: up to {@code limit} items in key order and whether more follow. */
    public record Page(List<KeyValue<String, Entry>> items, boolean more) {
    }

    /**
     * Scans {@code parts} (disjoint ranges, in key order: one range, or its parts a principal may
     * read) as one range, once this copy has caught up to the consistency's bound.
     */
    public Future<Page> scan(List<KeyRange> parts, int limit, Consistency consistency, Optional<PositionVector> after,
                             Deadline deadline) {
        try {
            ready();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        Future<?> caughtUp;
        if (consistency == Consistency.LINEARIZABLE) {
            Set<Integer> all = IntStream.range(0, copy.partitions()).boxed().collect(Collectors.toSet());
            caughtUp = lookedUp(readIndex.highWatermarks(all), deadline).compose(hws -> {
                List<Future<Long>> waits = new ArrayList<>();
                hws.forEach((p, hw) -> waits.add(applied(p, hw - 1, deadline,
                        "offset " + (hw - 1) + " (the high watermark at arrival, minus 1)")));
                return Future.all(waits);
            });
        } else if (consistency == Consistency.SESSION && after.isPresent()) {
            try {
                checkPartitions(after);
            } catch (IllegalArgumentException e) {
                return Future.failedFuture(e);
            }
            List<Future<Long>> waits = new ArrayList<>();
            after.get().offsets().forEach((p, offset) -> waits.add(applied(p, offset, deadline,
                    "offset " + offset + " (after=" + after.get() + ")")));
            caughtUp = Future.all(waits);
        } else {
            caughtUp = Future.succeededFuture();
        }
        return caughtUp.compose(ignored -> vertx.executeBlocking(() -> {
            List<KeyValue<String, Entry>> items = new ArrayList<>();
            for (KeyRange range : parts) {
                items.addAll(copy.range(range.from(), range.fromExclusive(), range.toExclusive(),
                        limit + 1 - items.size()));
                if (items.size() > limit) {
                    break;
                }
            }
            boolean more = items.size() > limit;
            return new Page(more ? items.subList(0, limit) : items, more);
        }, false));
    }

    /** Completes once this copy has applied {@code offset} of {@code partition}; a 504 naming it at the deadline. */
    public Future<Long> applied(int partition, long offset, Deadline deadline, String what) {
        return Deadlines.await(vertx, copy.positions().await(partition, offset), deadline, () -> new ApiException(504,
                "NOT_CAUGHT_UP", "this node's copy (" + node.nodeId() + ") had not applied " + what + " of partition "
                        + partition + " in time; it is at offset " + copy.positions().applied(partition)));
    }

    /** A high-watermark lookup of the read index, bounded by the deadline; a 503 if it fails. */
    private <T> Future<T> lookedUp(java.util.concurrent.CompletionStage<T> lookup, Deadline deadline) {
        return Deadlines.guard(vertx, Future.fromCompletionStage(lookup, vertx.getOrCreateContext()), deadline,
                        "looking up the high watermark")
                .recover(failure -> Future.failedFuture(failure instanceof ApiException ? failure
                        : ApiException.unavailable("cannot read the high watermark of " + Topics.EVENTS
                        + " (brokers unreachable?): " + failure.getMessage())));
    }

    void ready() {
        if (!copy.ready()) {
            throw new ApiException(503, "NOT_READY", node.nodeId() + " cannot serve reads: its copy is "
                    + copy.state());
        }
    }

    private GetReply reply(String key, String id, Materializer.Versioned read, long highWatermark) {
        Entry entry = read.entry();
        // a later session read that waits for this token sees at least what this one saw
        long position = Math.max(read.position(), read.version() - 1);
        JsonObject body = new JsonObject()
                .put("result", "GetResult")
                .put("key", key)
                .put("value", entry == null ? null : entry.value())
                .put("version", read.version())
                .put("token", new Token(read.partition(), position).toString())
                .put("id", id);
        return new GetReply(entry == null ? 404 : 200, body, Map.of(
                NodeIdentity.NODE_HEADER, node.nodeId(),
                LAG_HEADER, lag(read.partition(), position, highWatermark)));
    }

    /** The reply header saying how many events this copy is behind the log. */
    public static final String LAG_HEADER = "X-KV-Lag";

    private String lag(int partition, long position, long highWatermark) {
        long hw = highWatermark;
        if (hw < 0) {
            readIndex.refreshIfOlder(partition, LAG_REFRESH_MILLIS);
            ReadIndex.Known known = readIndex.lastKnown(partition);
            if (known == null) {
                return "unknown";
            }
            hw = known.highWatermark();
        }
        return String.valueOf(Math.max(0, hw - 1 - position));
    }
}
