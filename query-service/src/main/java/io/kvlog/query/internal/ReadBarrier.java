package io.kvlog.query.internal;

import io.kvlog.materializer.Read;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Waits, without blocking an event loop, until this node's copy of a partition has applied an
 * offset. One poller per (partition, copy kind) reads the copy's position off the event loop
 * every {@code pollMillis} while anyone waits, and releases every waiter it has caught up with:
 * many waiting reads cost one position read per interval, not one each.
 *
 * <p>{@link #await} completes (never fails) when the copy has reached the bound, when the copy
 * cannot answer for another reason (not active any more, not hosted, not running: the caller's
 * next read will say why), or at the deadline. The caller then reads with the bound and decides.
 * Thread-safe; completions run on the waiter's context.
 */
public final class ReadBarrier {

    /** Reads a copy's position; may block briefly. */
    @FunctionalInterface
    public interface PositionSource {
        Read<Long> position(int partition, boolean requireActive);
    }

    private record Watch(int partition, boolean active) {
    }

    private record Waiter(long bound, Deadline deadline, Context context, Promise<Void> promise) {
        void release() {
            if (context == null) {
                promise.tryComplete();
            } else {
                context.runOnContext(v -> promise.tryComplete());
            }
        }
    }

    private final Vertx vertx;
    private final PositionSource positions;
    private final long pollMillis;
    // guarded by this: the waiters of each watch that has a poller scheduled or running
    private final Map<Watch, List<Waiter>> waiting = new HashMap<>();

    public ReadBarrier(Vertx vertx, PositionSource positions, long pollMillis) {
        this.vertx = vertx;
        this.positions = positions;
        this.pollMillis = pollMillis;
    }

    /** Completes once this node's copy of {@code partition} has applied {@code bound}, cannot answer, or {@code deadline} passes. */
    public Future<Void> await(int partition, long bound, boolean requireActive, Deadline deadline) {
        Promise<Void> promise = Promise.promise();
        Waiter waiter = new Waiter(bound, deadline, Vertx.currentContext(), promise);
        Watch watch = new Watch(partition, requireActive);
        boolean startPoller;
        synchronized (this) {
            List<Waiter> waiters = waiting.get(watch);
            startPoller = waiters == null;
            if (startPoller) {
                waiters = new ArrayList<>();
                waiting.put(watch, waiters);
            }
            waiters.add(waiter);
        }
        if (startPoller) {
            vertx.setTimer(pollMillis, id -> poll(watch));
        }
        return promise.future();
    }

    /** How many reads wait now (for tests and metrics). */
    public synchronized int waiting() {
        return waiting.values().stream().mapToInt(List::size).sum();
    }

    private void poll(Watch watch) {
        vertx.executeBlocking(() -> positions.position(watch.partition(), watch.active()), false)
                .onComplete(done -> {
                    Read<Long> read = done.succeeded() ? done.result()
                            : new Read.Miss<>(watch.partition(), Read.Reason.FAILED, String.valueOf(done.cause()));
                    List<Waiter> released = new ArrayList<>();
                    boolean again;
                    synchronized (this) {
                        List<Waiter> waiters = waiting.get(watch);
                        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                            Waiter waiter = it.next();
                            if (caughtUpOrHopeless(read, waiter.bound()) || waiter.deadline().expired()) {
                                released.add(waiter);
                                it.remove();
                            }
                        }
                        again = !waiters.isEmpty();
                        if (!again) {
                            waiting.remove(watch);
                        }
                    }
                    released.forEach(Waiter::release);
                    if (again) {
                        vertx.setTimer(pollMillis, id -> poll(watch));
                    }
                });
    }

    private static boolean caughtUpOrHopeless(Read<Long> read, long bound) {
        if (read instanceof Read.Hit<Long> hit) {
            return hit.value() >= bound;
        }
        Read.Reason reason = ((Read.Miss<Long>) read).reason();
        // a copy that is not running may be restoring: keep waiting; anything else will not heal by waiting here
        return reason != Read.Reason.NOT_RUNNING && reason != Read.Reason.NOT_UP_TO_BOUND;
    }
}
