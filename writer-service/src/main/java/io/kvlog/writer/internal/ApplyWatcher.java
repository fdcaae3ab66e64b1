package io.kvlog.writer.internal;

import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Waits until copies of a partition have applied an event, and fetches the event's outcome by id.
 *
 * <p>The copies are found through Streams' metadata for the key: this node's own copy is polled
 * directly, another node's through its {@code /v1/internal/outcome} endpoint, which polls there.
 * A copy on this node is watched by {@link CopyPositions}, one position query per copy per tick
 * for every write waiting on it; once it has reached the event, the outcome is read once. Polls
 * are timers plus store reads on worker threads; nothing blocks an event loop. Every wait
 * ends by the request's deadline, failing with a reason that names the copy that was late; while
 * it waits, it tells the caller what it last saw ({@code seen}), for the reason of a reply the
 * deadline cuts short.
 */
public final class ApplyWatcher {

    /** Path of the endpoint other nodes' watchers call. */
    public static final String OUTCOME_PATH = "/v1/internal/outcome";

    private static final long POLL_MILLIS = 1;
    private static final long METADATA_RETRY_MILLIS = 20;

    private final Vertx vertx;
    private final Materializer materializer;
    private final WebClient client;
    private final String selfAddress;
    private final CopyPositions positions;

    public ApplyWatcher(Vertx vertx, Materializer materializer, WebClient client) {
        this.vertx = vertx;
        this.materializer = materializer;
        this.client = client;
        this.selfAddress = materializer.config().applicationServer();
        this.positions = new CopyPositions(vertx, materializer);
    }

    /** A copy could not confirm in time; the message is the reply's reason. */
    public static final class NotConfirmed extends RuntimeException {
        public NotConfirmed(String message) {
            super(message, null, false, false);
        }
    }

    /** The outcome of event {@code id} at {@code offset}, from the active copy, by {@code deadline} (System.nanoTime). */
    public Future<Outcome> awaitActive(String key, String id, int partition, long offset, long deadline,
                                       Consumer<String> seen) {
        return metadata(key, deadline, seen).compose(meta -> {
            HostInfo active = meta.activeHost();
            Future<Outcome> outcome = isSelf(active)
                    ? pollLocal(id, partition, offset, true, deadline, "the active copy on this node", seen)
                    : remote(active, id, partition, offset, true, deadline, seen);
            // the active copy may have moved (rebalance) or its node be unreachable: look again
            // after a pause, while time remains
            return outcome.recover(e -> e instanceof MovedException
                    ? pause((MovedException) e, deadline).compose(v -> awaitActive(key, id, partition, offset, deadline, seen))
                    : Future.failedFuture(e));
        });
    }

    /** Completes once every live standby copy of the key's partition has applied {@code offset}. */
    public Future<Void> awaitStandbys(String key, String id, int partition, long offset, long deadline,
                                      Consumer<String> seen) {
        return metadata(key, deadline, seen).compose(meta -> {
            List<Future<Outcome>> waits = new ArrayList<>();
            for (HostInfo standby : meta.standbyHosts()) {
                waits.add(isSelf(standby)
                        ? pollLocal(id, partition, offset, false, deadline, "the standby copy on this node", seen)
                        : remote(standby, id, partition, offset, false, deadline, seen));
            }
            // every wait ends by the deadline; a moved standby means the placement changed: ask
            // every current standby again (those that applied answer at once)
            return Future.join(waits).<Void>mapEmpty().recover(e -> {
                MovedException moved = null;
                for (Future<Outcome> wait : waits) {
                    if (wait.failed() && !(wait.cause() instanceof MovedException)) {
                        return Future.failedFuture(wait.cause());
                    }
                    if (wait.failed()) {
                        moved = (MovedException) wait.cause();
                    }
                }
                return pause(moved, deadline).compose(v -> awaitStandbys(key, id, partition, offset, deadline, seen));
            });
        });
    }

    /** Succeeds after a short pause if time remains after it; else fails, saying what moved. */
    private Future<Void> pause(MovedException moved, long deadline) {
        if (remainingMillis(deadline) <= METADATA_RETRY_MILLIS) {
            return Future.failedFuture(new NotConfirmed(moved.getMessage() + "; no other copy confirmed in time"));
        }
        Promise<Void> paused = Promise.promise();
        vertx.setTimer(METADATA_RETRY_MILLIS, t -> paused.complete());
        return paused.future();
    }

    /**
     * Waits until this node's copy of {@code partition} has applied {@code offset}, then reads
     * the outcome of {@code id}. Fails with {@link NotConfirmed} at the deadline, or
     * {@link MovedException} if the copy is not (or no longer) what was asked for.
     */
    public Future<Outcome> pollLocal(String id, int partition, long offset, boolean requireActive, long deadline,
                                     String copyName, Consumer<String> seen) {
        return positions.await(partition, requireActive, offset, deadline, copyName, seen).compose(position -> {
            Promise<Outcome> promise = Promise.promise();
            readOutcome(id, partition, offset, requireActive, deadline, copyName, seen, promise);
            return promise.future();
        });
    }

    /**
     * Reads the outcome of {@code id} from a copy that has reached {@code offset}; reads again
     * while that copy's outcomes are behind its entries (a standby restores the two changelogs
     * one after the other).
     */
    private void readOutcome(String id, int partition, long offset, boolean requireActive, long deadline,
                             String copyName, Consumer<String> seen, Promise<Outcome> promise) {
        vertx.executeBlocking(() -> materializer.outcome(id, partition, offset, requireActive), false)
                .onFailure(promise::tryFail)
                .onSuccess(read -> {
                    String notYet;
                    if (read instanceof Read.Hit<Outcome> hit) {
                        // Kafka Streams ignores the position bound of a query that requires the
                        // active copy, so a hit does not prove the offset was applied: its position does
                        if (hit.position() >= offset && hit.value() != null) {
                            promise.tryComplete(hit.value());
                            return;
                        }
                        // at or past the offset without an outcome: the store was read just before
                        // the outcome was written (value and position are not read atomically), or
                        // the outcome was purged; look again until the deadline
                        notYet = hit.position() < offset ? "at position " + hit.position()
                                : "no outcome recorded for id " + id + " at position " + hit.position();
                    } else {
                        Read.Miss<Outcome> miss = (Read.Miss<Outcome>) read;
                        if (miss.reason() == Read.Reason.NOT_ACTIVE || miss.reason() == Read.Reason.NOT_HOSTED) {
                            promise.tryFail(new MovedException(copyName + " is not there any more: " + miss.message()));
                            return;
                        }
                        notYet = miss.reason() + ": " + miss.message();
                    }
                    seen.accept(copyName + ": " + notYet);
                    long remaining = remainingMillis(deadline);
                    if (remaining <= 0) {
                        promise.tryFail(new NotConfirmed("offset " + offset + " of partition " + partition
                                + " not applied by " + copyName + " in time (" + notYet + ")"));
                        return;
                    }
                    vertx.setTimer(Math.min(POLL_MILLIS, remaining),
                            t -> readOutcome(id, partition, offset, requireActive, deadline, copyName, seen, promise));
                });
    }

    /** The copy asked for is not on the node asked: the caller looks at the metadata again. */
    public static final class MovedException extends RuntimeException {
        public MovedException(String message) {
            super(message, null, false, false);
        }
    }

    private Future<Outcome> remote(HostInfo host, String id, int partition, long offset, boolean active, long deadline,
                                   Consumer<String> seen) {
        long remaining = remainingMillis(deadline);
        String copyName = (active ? "the active copy on " : "the standby copy on ") + host.host() + ":" + host.port();
        seen.accept("asked " + copyName + " to confirm");
        if (remaining <= 0) {
            return Future.failedFuture(new NotConfirmed("not applied by " + copyName + " in time"));
        }
        return client.get(host.port(), host.host(), OUTCOME_PATH)
                .addQueryParam("id", id)
                .addQueryParam("partition", Integer.toString(partition))
                .addQueryParam("offset", Long.toString(offset))
                .addQueryParam("copy", active ? "active" : "standby")
                .addQueryParam("wait-ms", Long.toString(remaining))
                .timeout(remaining + 50)
                .send()
                // unreachable (a node that stopped): the placement will change, look again while time remains
                .recover(e -> Future.failedFuture(remainingMillis(deadline) > METADATA_RETRY_MILLIS
                        ? new MovedException("no answer from " + copyName + ": " + e.getMessage())
                        : new NotConfirmed("no answer from " + copyName + " in time: " + e.getMessage())))
                .compose(response -> fromRemote(response, copyName));
    }

    private static Future<Outcome> fromRemote(HttpResponse<Buffer> response, String copyName) {
        return switch (response.statusCode()) {
            case 200 -> Future.succeededFuture(OutcomeCodec.decode(response.body().getBytes()));
            case 409 -> Future.failedFuture(new MovedException(copyName + " moved: " + response.bodyAsString()));
            default -> Future.failedFuture(new NotConfirmed("not applied by " + copyName + " in time ("
                    + response.statusCode() + " " + response.bodyAsString() + ")"));
        };
    }

    private Future<KeyQueryMetadata> metadata(String key, long deadline, Consumer<String> seen) {
        Promise<KeyQueryMetadata> promise = Promise.promise();
        lookUp(key, deadline, seen, promise);
        return promise.future();
    }

    private void lookUp(String key, long deadline, Consumer<String> seen, Promise<KeyQueryMetadata> promise) {
        vertx.executeBlocking(() -> materializer.keyMetadata(key), false).onComplete(result -> {
            if (result.succeeded() && result.result() != null
                    && !KeyQueryMetadata.NOT_AVAILABLE.equals(result.result())
                    && result.result().activeHost() != null) {
                promise.tryComplete(result.result());
                return;
            }
            seen.accept("no copy of the key's partition known yet ("
                    + (result.failed() ? result.cause().toString() : "metadata " + result.result()) + ")");
            long remaining = remainingMillis(deadline);
            if (remaining <= 0) {
                promise.tryFail(new NotConfirmed("no copy of the key's partition is known in time (the materializers"
                        + " are rebalancing or not running)"));
                return;
            }
            vertx.setTimer(Math.min(METADATA_RETRY_MILLIS, remaining), t -> lookUp(key, deadline, seen, promise));
        });
    }

    private boolean isSelf(HostInfo host) {
        return selfAddress.equals(host.host() + ":" + host.port());
    }

    static long remainingMillis(long deadline) {
        return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    }
}
