package io.kvlog.materializer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How far this node's copy has applied each partition of {@code kv.events}, and the one waiter
 * registry every wait path uses (etcd's {@code wait}, keyed by partition and offset): a writer
 * waiting for its event, a linearizable read waiting for its read index, a session read waiting
 * for its token. The apply itself {@link #advance advances} a position and completes the waiters
 * it reached; nothing polls.
 *
 * <p>A position is the offset of the last record consumed and applied (or skipped) in the
 * partition, -1 before any. Positions only grow. Thread-safe; waiters are completed on the
 * applying thread, so callers must hop to their own thread before doing real work.
 */
public final class AppliedPositions {

    private final AtomicLongArray applied;
    /** The smallest offset anyone waits for per partition (Long.MAX_VALUE: none), so an apply with no waiter takes no lock. */
    private final AtomicLongArray lowestWaited;
    private final List<PriorityQueue<Waiter>> waiters;

    private record Waiter(long offset, CompletableFuture<Long> done) {
    }

    public AppliedPositions(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: must be >= 1, got " + partitions);
        }
        applied = new AtomicLongArray(partitions);
        lowestWaited = new AtomicLongArray(partitions);
        waiters = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            applied.set(p, -1);
            lowestWaited.set(p, Long.MAX_VALUE);
            waiters.add(new PriorityQueue<>((a, b) -> Long.compare(a.offset(), b.offset())));
        }
    }

    public int partitions() {
        return applied.length();
    }

    /** The last offset applied in {@code partition}, -1 if none. */
    public long applied(int partition) {
        return applied.get(check(partition));
    }

    /** Every partition's position, in partition order. */
    public Map<Integer, Long> snapshot() {
        Map<Integer, Long> positions = new LinkedHashMap<>();
        for (int p = 0; p < applied.length(); p++) {
            positions.put(p, applied.get(p));
        }
        return Collections.unmodifiableMap(positions);
    }

    /** Waiters not woken yet, over every partition: the reads and writes waiting for this copy's apply. */
    public int waiting() {
        int waiting = 0;
        for (PriorityQueue<Waiter> queue : waiters) {
            synchronized (queue) {
                waiting += queue.size();
            }
        }
        return waiting;
    }

    /**
     * How many events a copy at {@code applied} (partition → position) is behind the log whose
     * partitions end at {@code ends} (partition → high watermark, the next offset to be written);
     * partitions with no known end count nothing, and no ends at all means unknown (null).
     */
    public static Long lag(Map<Integer, Long> applied, Map<Integer, Long> ends) {
        if (ends.isEmpty()) {
            return null;
        }
        long lag = 0;
        for (Map.Entry<Integer, Long> position : applied.entrySet()) {
            Long end = ends.get(position.getKey());
            if (end != null) {
                lag += lag(position.getValue(), end);
            }
        }
        return lag;
    }

    /** How many events of a partition ending at {@code end} a copy that applied {@code applied} lacks. */
    public static long lag(long applied, long end) {
        return Math.max(0, end - 1 - applied); // a copy that applied end - 1 is caught up
    }

    /**
     * Completes with the partition's position once it has applied {@code offset} (at once if it
     * has). Cancel the future to stop waiting: it is then forgotten.
     */
    public CompletableFuture<Long> await(int partition, long offset) {
        check(partition);
        long now = applied.get(partition);
        if (now >= offset) {
            return CompletableFuture.completedFuture(now);
        }
        CompletableFuture<Long> done = new CompletableFuture<>();
        Waiter waiter = new Waiter(offset, done);
        PriorityQueue<Waiter> queue = waiters.get(partition);
        synchronized (queue) {
            queue.add(waiter);
            lowestWaited.set(partition, queue.peek().offset());
        }
        done.whenComplete((position, failure) -> {
            if (failure != null) { // cancelled or failed: drop it
                synchronized (queue) {
                    queue.remove(waiter);
                    lowestWaited.set(partition, queue.isEmpty() ? Long.MAX_VALUE : queue.peek().offset());
                }
            }
        });
        // the apply may have passed offset between the first look and the registration
        release(partition, applied.get(partition));
        return done;
    }

    /** Records that {@code partition} has applied up to {@code offset} and wakes whoever waited for it. */
    public void advance(int partition, long offset) {
        check(partition);
        long position = applied.accumulateAndGet(partition, offset, Math::max);
        if (position >= lowestWaited.get(partition)) {
            release(partition, position);
        }
    }

    /**
     * Records the position without waking anyone: for the applier, while it holds the lock that
     * makes store and positions agree; it calls {@link #advance} once it let go.
     */
    public void advanceQuietly(int partition, long offset) {
        applied.accumulateAndGet(check(partition), offset, Math::max);
    }

    private void release(int partition, long position) {
        List<Waiter> ready = null;
        PriorityQueue<Waiter> queue = waiters.get(partition);
        synchronized (queue) {
            while (!queue.isEmpty() && queue.peek().offset() <= position) {
                if (ready == null) {
                    ready = new ArrayList<>();
                }
                ready.add(queue.poll());
            }
            lowestWaited.set(partition, queue.isEmpty() ? Long.MAX_VALUE : queue.peek().offset());
        }
        if (ready != null) {
            ready.forEach(w -> w.done().complete(position));
        }
    }

    private int check(int partition) {
        if (partition < 0 || partition >= applied.length()) {
            throw new IllegalArgumentException("partition: must be 0-" + (applied.length() - 1) + ", got " + partition);
        }
        return partition;
    }
}
