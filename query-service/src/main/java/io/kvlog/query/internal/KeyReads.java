package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.NodeIdentity;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import io.kvlog.query.Consistency;
import io.kvlog.query.GetReply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Gets of one key at a consistency level: which copy must serve it, here or forwarded to its
 * node, waiting for that copy to catch up, within the request's deadline.
 *
 * <ul>
 *   <li>{@code linearizable}: the active copy. Its node takes the partition's high watermark
 *       ({@link ReadIndex}) after the request arrived, waits until its copy has applied it, reads.</li>
 *   <li>{@code session}: this node's copy, active or standby, once it has applied the token; if
 *       it is still behind after half the time, the active copy's node. No copy here: forwarded.</li>
 *   <li>{@code eventual}: this node's copy at once; no copy here: forwarded.</li>
 * </ul>
 *
 * <p>While Streams' metadata is unavailable or stale (a rebalance), or the owner does not
 * answer, it retries every {@value #RETRY_MILLIS} ms; at the deadline it fails with a 503
 * {@link ApiException} saying what it last waited for: never a stale linearizable answer.
 * Store reads run off the event loop; the metadata lookup that starts a linearizable read
 * (in memory, see {@link LocalCopies#keyMetadata}) runs on it.
 */
public final class KeyReads {

    static final long RETRY_MILLIS = 25;
    /** Eventual and session reads refresh the high watermark their lag is measured against at most this often. */
    private static final long LAG_REFRESH_MILLIS = 1000;

    private final Vertx vertx;
    private final LocalCopies copies;
    private final ReadIndex readIndex;
    private final ReadBarrier barrier;
    private final Forwarder forwarder;
    private final PartitionCount partitions;
    private final NodeIdentity node;
    private final HostInfo self;

    public KeyReads(Vertx vertx, LocalCopies copies, ReadIndex readIndex, ReadBarrier barrier, Forwarder forwarder,
                    PartitionCount partitions, NodeIdentity node, HostInfo self) {
        this.vertx = vertx;
        this.copies = copies;
        this.readIndex = readIndex;
        this.barrier = barrier;
        this.forwarder = forwarder;
        this.partitions = partitions;
        this.node = node;
        this.self = self;
    }

    /**
     * Gets {@code key}. Fails with {@link IllegalArgumentException} on bad input (400), with
     * {@link ApiException} otherwise (503 when no copy could answer in time).
     *
     * @param forwarded whether another node forwarded this request here (then it is served here or not at all)
     */
    public Future<GetReply> get(String key, Consistency consistency, Optional<Token> after, String id,
                                Deadline deadline, boolean forwarded) {
        try {
            Validation.key(key);
            if (id != null) {
                Validation.id(id);
            }
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        return Future.fromCompletionStage(partitions.get(), vertx.getOrCreateContext())
                .recover(failure -> Future.failedFuture(ApiException.unavailable(
                        "cannot learn the partitions of " + Topics.EVENTS + ": " + failure.getMessage())))
                .compose(count -> {
                    int partition = Topics.partitionOf(key, count);
                    if (after.isPresent() && after.get().partition() != partition) {
                        return Future.failedFuture(new IllegalArgumentException("after: token " + after.get()
                                + " is for partition " + after.get().partition() + ", but key " + Validation.quote(key)
                                + " lives in partition " + partition + "; pass the token of this key's last read or write"));
                    }
                    return new Get(key, partition, consistency, after, id, deadline, forwarded).run();
                });
    }

    /** What to do next, decided off the event loop. */
    private sealed interface Step {
    }

    private record Served(GetReply reply) implements Step {
    }

    private record NeedHighWatermark() implements Step {
    }

    private record Await(boolean active, String reason) implements Step {
    }

    private record Forward(HostInfo owner) implements Step {
    }

    private record Retry(String reason) implements Step {
    }

    private record Fail(RuntimeException failure) implements Step {
    }

    /** One get, from arrival to answer. */
    private final class Get {
        final String key;
        final int partition;
        final Consistency consistency;
        final Optional<Token> after;
        final String id;
        final Deadline deadline;
        final boolean forwarded;
        /** Until then a session read waits for this node's copy; after it, it goes to the active copy. */
        final Deadline localPatience;
        final Promise<GetReply> result = Promise.promise();
        /** The offset the serving copy must have applied (-1: none); for linearizable reads set from the high watermark. */
        long bound;
        long highWatermark = -1;
        String waitingFor = "nothing yet";

        Get(String key, int partition, Consistency consistency, Optional<Token> after, String id, Deadline deadline,
            boolean forwarded) {
            this.key = key;
            this.partition = partition;
            this.consistency = consistency;
            this.after = after;
            this.id = id;
            this.deadline = deadline;
            this.forwarded = forwarded;
            this.localPatience = Deadline.inMillis(deadline.remainingMillis() / 2);
            this.bound = consistency == Consistency.SESSION ? after.map(Token::offset).orElse(-1L) : -1;
        }

        Future<GetReply> run() {
            next();
            return result.future();
        }

        void next() {
            if (deadline.expired()) {
                giveUp();
                return;
            }
            if (consistency == Consistency.LINEARIZABLE && highWatermark < 0) {
                // the first step only asks Streams' metadata who owns the key: an in-memory
                // lookup, so it runs here rather than costing two thread hops through a worker
                Step step;
                try {
                    step = decide();
                } catch (RuntimeException e) { // as a failed worker step: e.g. Streams not started yet
                    retryLater("looking up the owner of partition " + partition + " failed: " + e);
                    return;
                }
                act(step);
                return;
            }
            vertx.executeBlocking(this::decide, false).onComplete(decided -> {
                if (decided.failed()) {
                    retryLater("reading this node's copy of partition " + partition + " failed: " + decided.cause());
                } else {
                    act(decided.result());
                }
            });
        }

        void act(Step step) {
            if (step instanceof Served served) {
                result.tryComplete(served.reply());
            } else if (step instanceof Retry retry) {
                retryLater(retry.reason());
            } else if (step instanceof Fail fail) {
                result.tryFail(fail.failure());
            } else if (step instanceof NeedHighWatermark) {
                Future.fromCompletionStage(readIndex.highWatermark(partition), vertx.getOrCreateContext())
                        .onComplete(hw -> {
                            if (hw.succeeded()) {
                                highWatermark = hw.result();
                                bound = highWatermark - 1;
                                next();
                            } else {
                                retryLater("cannot read the high watermark of partition " + partition + ": "
                                        + hw.cause().getMessage());
                            }
                        });
            } else if (step instanceof Await await) {
                waitingFor = await.reason();
                // a session read waits for this node's standby only half the time, then asks the active copy
                Deadline until = consistency == Consistency.SESSION && !forwarded && !await.active()
                        && !localPatience.expired() ? deadline.min(localPatience) : deadline;
                barrier.await(partition, bound, await.active(), until).onComplete(done -> next());
            } else if (step instanceof Forward forward) {
                forwarder.get(forward.owner(), key, consistency, after, id, deadline).onComplete(answer -> {
                    if (answer.succeeded()) {
                        result.tryComplete(answer.result());
                    } else if (answer.cause() instanceof OwnerUnreachable unreachable) {
                        retryLater(unreachable.getMessage());
                    } else {
                        result.tryFail(answer.cause());
                    }
                });
            } else {
                throw new IllegalStateException("unknown step " + step);
            }
        }

        void retryLater(String reason) {
            waitingFor = reason;
            if (deadline.remainingMillis() <= RETRY_MILLIS) {
                giveUp();
            } else {
                vertx.setTimer(RETRY_MILLIS, id -> next());
            }
        }

        void giveUp() {
            result.tryFail(ApiException.unavailable("no copy of partition " + partition + " could serve a "
                    + consistency.name().toLowerCase(java.util.Locale.ROOT) + " read of " + Validation.quote(key)
                    + " in time; last: " + waitingFor));
        }

        /** Runs off the event loop, except the metadata-only first step of a linearizable read. */
        Step decide() {
            try {
                return consistency == Consistency.LINEARIZABLE ? linearizable() : anyCopy();
            } catch (IllegalStateException e) { // Streams not running (starting, shutting down)
                return new Retry("the materializer is not running: " + e.getMessage());
            }
        }

        Step linearizable() {
            if (highWatermark < 0) {
                KeyQueryMetadata owners = copies.keyMetadata(key);
                if (!Hosts.known(owners.activeHost())) {
                    return new Retry("no active copy of partition " + partition + " is known (rebalancing)");
                }
                if (!owners.activeHost().equals(self) && !forwarded) {
                    return new Forward(owners.activeHost());
                }
                return new NeedHighWatermark();
            }
            Read<Entry> read = copies.get(key, partition, bound, true);
            if (read instanceof Read.Hit<Entry> hit) {
                return new Served(reply(hit, true));
            }
            Read.Miss<Entry> miss = (Read.Miss<Entry>) read;
            return switch (miss.reason()) {
                case NOT_UP_TO_BOUND -> new Await(true, "the active copy of partition " + partition
                        + " has not applied offset " + bound + " (the high watermark taken at arrival, minus 1)");
                case NOT_ACTIVE, NOT_HOSTED -> {
                    KeyQueryMetadata owners = copies.keyMetadata(key);
                    if (Hosts.known(owners.activeHost()) && !owners.activeHost().equals(self) && !forwarded) {
                        yield new Forward(owners.activeHost());
                    }
                    yield new Retry("this node's copy of partition " + partition
                            + " is not the active one (rebalancing): " + miss.message());
                }
                case NOT_RUNNING -> new Retry("the materializer is not running: " + miss.message());
                case FAILED -> new Fail(ApiException.unavailable("the store of partition " + partition
                        + " failed: " + miss.message()));
            };
        }

        Step anyCopy() {
            boolean active = true;
            Read<Entry> read = copies.get(key, partition, bound, true);
            if (read instanceof Read.Miss<Entry> miss && miss.reason() == Read.Reason.NOT_ACTIVE) {
                active = false;
                read = copies.get(key, partition, bound, false);
            }
            if (read instanceof Read.Hit<Entry> hit) {
                return new Served(reply(hit, active));
            }
            Read.Miss<Entry> miss = (Read.Miss<Entry>) read;
            return switch (miss.reason()) {
                case NOT_UP_TO_BOUND -> {
                    if (!active && !forwarded && localPatience.expired()) {
                        KeyQueryMetadata owners = copies.keyMetadata(key);
                        if (Hosts.known(owners.activeHost()) && !owners.activeHost().equals(self)) {
                            yield new Forward(owners.activeHost());
                        }
                    }
                    yield new Await(active, "this node's " + Wire.copy(active) + " copy of partition " + partition
                            + " has not applied offset " + bound + " (the token)");
                }
                case NOT_HOSTED, NOT_ACTIVE -> {
                    if (forwarded) {
                        yield new Retry("this node holds no copy of partition " + partition + " (rebalancing)");
                    }
                    KeyQueryMetadata owners = copies.keyMetadata(key);
                    HostInfo owner = Hosts.known(owners.activeHost()) ? owners.activeHost()
                            : owners.standbyHosts().stream().filter(h -> !h.equals(self)).findFirst().orElse(null);
                    if (owner == null || owner.equals(self)) {
                        yield new Retry("no copy of partition " + partition + " is known (rebalancing)");
                    }
                    yield new Forward(owner);
                }
                case NOT_RUNNING -> new Retry("the materializer is not running: " + miss.message());
                case FAILED -> new Fail(ApiException.unavailable("the store of partition " + partition
                        + " failed: " + miss.message()));
            };
        }

        GetReply reply(Read.Hit<Entry> hit, boolean active) {
            Entry entry = hit.value();
            boolean present = entry != null && entry.present();
            long version = entry == null ? 0 : entry.version();
            long position = Math.max(hit.position(), version);
            JsonObject body = new JsonObject()
                    .put("result", "GetResult")
                    .put("key", key)
                    .put("value", present ? entry.value() : null)
                    .put("version", version)
                    .put("token", new Token(partition, position).toString())
                    .put("id", id);
            return new GetReply(present ? 200 : 404, body, Map.of(
                    NodeIdentity.NODE_HEADER, node.nodeId(),
                    Wire.COPY_HEADER, Wire.copy(active),
                    Wire.LAG_HEADER, lag(position)));
        }

        String lag(long position) {
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
}
