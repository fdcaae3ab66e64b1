package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.Deadline;
import io.kvlog.http.NodeIdentity;
import io.kvlog.materializer.Change;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.Revision;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.PositionVector;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import io.kvlog.query.Consistency;
import io.kvlog.query.GetReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A key's past: its versions newest first, the value at a version, the value at a moment. This
 * copy's history rows say which versions a key had and what made each (see
 * {@code Materializer#history}); the values are read back from the events at those offsets in
 * {@link Topics#EVENTS} ({@link LogReader}), never by scanning the partition. An append's value
 * is the value before it plus its suffix, so a value made by appends is rebuilt from the put (or
 * delete) before them.
 *
 * <p>Versions never change once applied, so a read of a version this copy has applied needs no
 * read index; a version past it is looked up linearizably first (it may not exist yet).
 */
public final class HistoryReads {

    /** Default {@code limit=} of a history page. */
    public static final int DEFAULT_LIMIT = 100;
    /** The largest {@code limit=}. */
    public static final int MAX_LIMIT = 1000;
    /** How many older versions are fetched at a time while looking for the put under appends. */
    private static final int CHAIN_STEP = 256;

    /** The longest run of appends a value is rebuilt from. */
    static final int MAX_APPEND_CHAIN = 10_000;

    private final Vertx vertx;
    /** History reads block on the log: their own workers, as many as the log reader has consumers, so they never hold up gets and writes. */
    private final WorkerExecutor workers;
    private final Materializer copy;
    private final Reads reads;
    private final LogReader log;
    private final NodeIdentity node;

    /** @param workers where the blocking reads run (not closed here) */
    public HistoryReads(Vertx vertx, WorkerExecutor workers, Materializer copy, Reads reads, LogReader log,
                        NodeIdentity node) {
        this.vertx = vertx;
        this.workers = workers;
        this.copy = copy;
        this.reads = reads;
        this.log = log;
        this.node = node;
    }

    /** One past version with its value (null: deleted) and the id of the event that made it. */
    public record Version(Revision revision, String value, String id) {
        JsonObject json() {
            return new JsonObject().put("version", revision.version()).put("type", revision.type().label())
                    .put("value", value).put("id", id).put("time", Instant.ofEpochMilli(revision.time()).toString());
        }
    }

    /**
     * {@code GET /v1/kv/{key}/history}: up to {@code limit} versions below {@code before} (0: the
     * newest on), newest first, once this copy may serve the key at {@code consistency}.
     */
    public Future<JsonObject> page(String key, long before, int limit, Consistency consistency, Optional<PositionVector> after,
                                   Deadline readDeadline, Deadline logDeadline) {
        int partition;
        try {
            partition = reads.partitionOf(key, after);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return reads.caughtUp(partition, consistency, after, readDeadline).compose(hw -> blocking(() -> {
            List<Revision> revisions = copy.history(key, before, limit + 1);
            boolean more = revisions.size() > limit;
            List<Revision> page = more ? revisions.subList(0, limit) : revisions;
            JsonArray items = new JsonArray();
            for (Version version : withValues(key, partition, page, logDeadline)) {
                items.add(version.json());
            }
            return new JsonObject().put("key", key).put("items", items)
                    .put("next", more ? page.get(page.size() - 1).version() : null);
        }));
    }

    /** {@code GET /v1/kv/{key}?version=N}: the value {@code key} had at version {@code version}. */
    public Future<GetReply> atVersion(String key, long version, String id, Deadline readDeadline, Deadline logDeadline) {
        int partition;
        try {
            partition = reads.partitionOf(key, Optional.empty());
            if (version < 1) {
                throw new IllegalArgumentException("version: must be >= 1 (a key's first version is 1), got " + version);
            }
            reads.ready();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        long offset = version - 1;
        // an applied version is final; one past this copy may not exist yet: ask the log
        Future<Long> known = copy.positions().applied(partition) >= offset ? Future.succeededFuture(-1L)
                : reads.caughtUp(partition, Consistency.LINEARIZABLE, Optional.empty(), readDeadline);
        return known.compose(hw -> blocking(() -> {
            if (hw >= 0 && offset >= hw) {
                return notFound(key, id, version, partition, "key " + Validation.quote(key) + " has no version " + version
                        + " yet: the log of its partition " + partition + " ends at offset " + (hw - 1));
            }
            Revision revision = copy.revision(key, version);
            if (revision == null) {
                return notFound(key, id, version, partition, "key " + Validation.quote(key) + " never had version "
                        + version + ": the event at offset " + offset + " of partition " + partition
                        + " did not change it (another key's, or one that changed nothing)");
            }
            return valueReply(key, id, partition, revision, logDeadline, null);
        }));
    }

    /**
     * {@code GET /v1/kv/{key}?as-of=TIME}: the value {@code key} had at {@code time}, by the log's
     * record times (millisecond precision): the last change stamped at or before it.
     */
    public Future<GetReply> asOf(String key, Instant time, String id, Deadline readDeadline, Deadline logDeadline) {
        int partition;
        try {
            partition = reads.partitionOf(key, Optional.empty());
            if (time.isAfter(Instant.now())) {
                throw new IllegalArgumentException("as-of: " + time + " is in the future; read the key without as-of");
            }
            reads.ready();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        // the first event stamped after TIME (a write stamped TIME itself was there at TIME)
        Future<Long> firstAfter = blocking(() -> log.offsetForTime(partition, time.toEpochMilli() + 1,
                logDeadline));
        return firstAfter.compose(offset -> {
            // every record so far is older: the value now (linearizably); else the one before that offset
            Future<Long> bound = offset == null
                    ? reads.caughtUp(partition, Consistency.LINEARIZABLE, Optional.empty(), readDeadline)
                    : reads.applied(partition, offset - 1, readDeadline, "offset " + (offset - 1)
                    + " (the last before " + time + ")").map(ignored -> offset);
            return bound.compose(end -> blocking(() -> {
                List<Revision> last = copy.history(key, end + 1, 1);
                Revision revision = last.isEmpty() ? null : last.get(0);
                if (revision == null || revision.type() == Change.Type.DELETE) {
                    return notFound(key, id, revision == null ? 0 : revision.version(), partition,
                            "key " + Validation.quote(key) + " was absent at " + time
                                    + (revision == null ? "" : " (deleted at version " + revision.version() + ")"));
                }
                return valueReply(key, id, partition, revision, logDeadline, time);
            }));
        });
    }

    /** Runs {@code read} on the history workers; a failure to read the log becomes a 503/504 naming it. */
    private <T> Future<T> blocking(java.util.concurrent.Callable<T> read) {
        return workers.<T>executeBlocking(read, false).recover(failure -> Future.failedFuture(apiError(failure)));
    }

    private static Throwable apiError(Throwable failure) {
        if (failure instanceof ApiException || failure instanceof IllegalArgumentException) {
            return failure;
        }
        if (failure instanceof TimeoutException || failure instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new ApiException(504, "HISTORY_TIMEOUT", "reading the history from " + Topics.EVENTS
                    + " did not finish in time: " + failure.getMessage());
        }
        if (failure instanceof org.apache.kafka.common.KafkaException || failure instanceof InterruptedException) {
            return ApiException.unavailable("cannot read the history from " + Topics.EVENTS
                    + " (brokers unreachable?): " + failure);
        }
        return failure;
    }

    private GetReply valueReply(String key, String id, int partition, Revision revision, Deadline logDeadline,
                                Instant asOf) throws TimeoutException, InterruptedException {
        if (revision.type() == Change.Type.DELETE) {
            return notFound(key, id, revision.version(), partition, "version " + revision.version() + " of key "
                    + Validation.quote(key) + " is its delete: the key was absent from then on");
        }
        Version version = withValues(key, partition, List.of(revision), logDeadline).get(0);
        JsonObject body = getResult(key, id, version.value(), revision.version(), partition);
        if (asOf != null) {
            body.put("asOf", asOf.toString());
        }
        return new GetReply(200, body, Map.of(NodeIdentity.NODE_HEADER, node.nodeId()));
    }

    private GetReply notFound(String key, String id, long version, int partition, String reason) {
        JsonObject body = getResult(key, id, null, version, partition).put("reason", reason);
        return new GetReply(404, body, Map.of(NodeIdentity.NODE_HEADER, node.nodeId()));
    }

    private static JsonObject getResult(String key, String id, String value, long version, int partition) {
        return new JsonObject().put("result", "GetResult").put("key", key).put("value", value).put("version", version)
                .put("token", new Token(partition, Math.max(-1, version - 1)).toString()).put("id", id);
    }

    /**
     * {@code page} (newest first) with each version's value and id, read from the log: the events
     * of its versions and, under appends at its old end, the older ones down to the put or delete
     * they build on.
     */
    List<Version> withValues(String key, int partition, List<Revision> page, Deadline deadline)
            throws TimeoutException, InterruptedException {
        List<Revision> chain = new ArrayList<>(page);
        while (!chain.isEmpty() && chain.get(chain.size() - 1).type() == Change.Type.APPEND) {
            if (chain.size() > MAX_APPEND_CHAIN) {
                throw new ApiException(422, "APPEND_CHAIN_TOO_LONG", "version " + page.get(page.size() - 1).version()
                        + " of " + Validation.quote(key) + " sits on more than " + MAX_APPEND_CHAIN
                        + " appends since its last put; its value is not rebuilt from the log (read newer versions)");
            }
            List<Revision> older = copy.history(key, chain.get(chain.size() - 1).version(), CHAIN_STEP);
            if (older.isEmpty()) {
                break; // the first version was an append: it appended to nothing
            }
            for (Revision revision : older) {
                chain.add(revision);
                if (revision.type() != Change.Type.APPEND) {
                    break;
                }
            }
            if (deadline.expired()) {
                throw new TimeoutException("finding the put under " + chain.size() + " appends of "
                        + Validation.quote(key));
            }
        }
        TreeSet<Long> offsets = new TreeSet<>();
        chain.forEach(r -> offsets.add(r.offset()));
        Map<Long, ConsumerRecord<byte[], byte[]>> records = log.read(partition, offsets, deadline);
        Map<Long, Version> byVersion = new HashMap<>();
        String value = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Revision revision = chain.get(i);
            Event event = event(key, partition, revision, records.get(revision.offset()));
            value = switch (revision.type()) {
                case PUT -> event.value();
                case APPEND -> (value == null ? "" : value) + event.value();
                case DELETE -> null;
            };
            byVersion.put(revision.version(), new Version(revision, value, event.id()));
        }
        return page.stream().map(r -> byVersion.get(r.version())).toList();
    }

    /** The event that made {@code revision}, checked to be the one the copy recorded. */
    private static Event event(String key, int partition, Revision revision, ConsumerRecord<byte[], byte[]> record) {
        String where = "offset " + revision.offset() + " of partition " + partition + " of " + Topics.EVENTS;
        if (record == null || record.key() == null) {
            throw new IllegalStateException(where + " holds no event, but this copy recorded version "
                    + revision.version() + " of " + Validation.quote(key) + " there");
        }
        String recordKey = new String(record.key(), StandardCharsets.UTF_8);
        if (!recordKey.equals(key) || !(EventCodec.decode(record.value()) instanceof EventCodec.Valid valid)) {
            throw new IllegalStateException(where + " is not the event this copy recorded as version "
                    + revision.version() + " of " + Validation.quote(key));
        }
        return valid.event();
    }
}
