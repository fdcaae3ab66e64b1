package io.kvlog.writer.internal;

import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.Read;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Waits until this node's copies of partitions reach offsets, with one position query per copy
 * per tick however many writes wait on it: the cost of waiting grows with the partitions that
 * have waiters, not with the writes in flight (a query per waiter per millisecond starved the
 * stream threads of a 2-core machine at a dozen concurrent writes).
 *
 * <p>Thread-safe: waits are added from any event loop and completed on the caller's context.
 */
final class CopyPositions {

    /**
     * Between two position queries of one copy while writes wait on it: 1 ms while the copy
     * moves, doubling to {@value #MAX_TICK_MILLIS} ms while it does not (a standby moves once per
     * commit of the active, every 100 ms under exactly-once).
     */
    static final long MAX_TICK_MILLIS = 8;

    private final Vertx vertx;
    private final Materializer materializer;
    private final Map<Copy, Poller> pollers = new ConcurrentHashMap<>();

    CopyPositions(Vertx vertx, Materializer materializer) {
        this.vertx = vertx;
        this.materializer = materializer;
    }

    private record Copy(int partition, boolean active) {
    }

    /**
     * Completes with the copy's position once it is at least {@code offset}; fails with
     * {@link ApplyWatcher.NotConfirmed} at {@code deadline} (System.nanoTime), or with
     * {@link ApplyWatcher.MovedException} if this node does not hold that copy (any more).
     * Meanwhile {@code seen} hears where the copy is.
     */
    Future<Long> await(int partition, boolean active, long offset, long deadline, String copyName,
                       Consumer<String> seen) {
        Waiter waiter = new Waiter(offset, deadline, copyName, seen, vertx.getOrCreateContext(), Promise.promise());
        pollers.computeIfAbsent(new Copy(partition, active), Poller::new).add(waiter);
        return waiter.promise.future();
    }

    private record Waiter(long offset, long deadline, String copyName, Consumer<String> seen, Context context,
                          Promise<Long> promise) {

        void complete(long position) {
            context.runOnContext(v -> promise.tryComplete(position));
        }

        void fail(Throwable failure) {
            context.runOnContext(v -> promise.tryFail(failure));
        }
    }

    /** Polls one copy while anyone waits on it. */
    private final class Poller {

        private final Copy copy;
        // guarded by this
        private final PriorityQueue<Waiter> waiting = new PriorityQueue<>((a, b) -> Long.compare(a.offset, b.offset));
        private boolean polling;
        private long lastPosition = -1;
        private int stillTicks;

        Poller(Copy copy) {
            this.copy = copy;
        }

        void add(Waiter waiter) {
            boolean start;
            synchronized (this) {
                waiting.add(waiter);
                start = !polling;
                polling = true;
            }
            if (start) {
                poll();
            }
        }

        private void poll() {
            vertx.executeBlocking(() -> materializer.position(copy.partition(), copy.active()), false)
                    .onComplete(result -> {
                        Read<Long> read = result.succeeded() ? result.result()
                                : new Read.Miss<>(copy.partition(), Read.Reason.FAILED, String.valueOf(result.cause()));
                        long tick = settle(read);
                        if (tick > 0) {
                            vertx.setTimer(tick, t -> poll());
                        }
                    });
        }

        /** Completes or fails the waiters {@code read} decides; the delay of the next poll, 0 for none. */
        private long settle(Read<Long> read) {
            List<Waiter> reached = new ArrayList<>();
            List<Waiter> late = new ArrayList<>();
            List<Waiter> moved = new ArrayList<>();
            List<Waiter> still;
            long position = read instanceof Read.Hit<Long> hit ? hit.position() : -1;
            boolean gone = read instanceof Read.Miss<Long> miss
                    && (miss.reason() == Read.Reason.NOT_ACTIVE || miss.reason() == Read.Reason.NOT_HOSTED);
            long now = System.nanoTime();
            boolean more;
            long tick;
            synchronized (this) {
                stillTicks = position > lastPosition ? 0 : Math.min(stillTicks + 1, 3);
                lastPosition = Math.max(lastPosition, position);
                tick = Math.min(MAX_TICK_MILLIS, 1L << stillTicks);
                if (gone) {
                    moved.addAll(waiting);
                    waiting.clear();
                } else if (read instanceof Read.Hit<Long>) {
                    while (!waiting.isEmpty() && waiting.peek().offset() <= position) {
                        reached.add(waiting.poll());
                    }
                }
                waiting.removeIf(w -> {
                    if (now - w.deadline() >= 0) {
                        late.add(w);
                        return true;
                    }
                    return false;
                });
                still = new ArrayList<>(waiting);
                more = !waiting.isEmpty();
                polling = more;
            }
            String where = read instanceof Read.Miss<Long> miss ? miss.reason() + ": " + miss.message()
                    : "at position " + position;
            reached.forEach(w -> w.complete(position));
            moved.forEach(w -> w.fail(new ApplyWatcher.MovedException(w.copyName() + " is not there any more: "
                    + where)));
            late.forEach(w -> w.fail(new ApplyWatcher.NotConfirmed("offset " + w.offset() + " of partition "
                    + copy.partition() + " not applied by " + w.copyName() + " in time (" + where + ")")));
            still.forEach(w -> w.seen().accept(w.copyName() + ": " + where));
            return more ? tick : 0;
        }
    }
}
