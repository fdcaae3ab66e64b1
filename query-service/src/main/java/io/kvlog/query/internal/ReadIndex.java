package io.kvlog.query.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * High watermarks of {@code kv.events} partitions for linearizable reads (the "read index"),
 * with one broker lookup shared by many reads.
 *
 * <p>A read may only use a high watermark read <em>after</em> it arrived: a lookup already in
 * flight may have been answered by the broker before a write the reader saw acked. So a read
 * never joins a lookup in flight; it queues, and the queue goes out as one lookup (for the union
 * of the queued partitions) as soon as the current one completes. At most one lookup is in
 * flight, each serves every read that arrived during the previous one: a read waits at most two
 * broker round trips and the broker sees one lookup per round trip, whatever the read rate.
 *
 * <p>Thread-safe; futures complete on the thread that completes the lookup.
 */
public final class ReadIndex {

    /** Where high watermarks come from: the brokers in production, a fake in tests. */
    @FunctionalInterface
    public interface HighWatermarkSource {
        /** The current high watermark (log end offset visible to consumers) of each partition. */
        CompletionStage<Map<Integer, Long>> latest(Set<Integer> partitions);
    }

    /** A high watermark and when (System.nanoTime) it was taken. */
    public record Known(long highWatermark, long atNanos) {
        public long ageMillis() {
            return (System.nanoTime() - atNanos) / 1_000_000L;
        }
    }

    private final HighWatermarkSource source;
    private final Map<Integer, Known> lastKnown = new ConcurrentHashMap<>();
    private final AtomicLong lookups = new AtomicLong();
    // guarded by this
    private Map<Integer, List<CompletableFuture<Long>>> queued = new HashMap<>();
    private boolean inFlight;

    public ReadIndex(HighWatermarkSource source) {
        this.source = source;
    }

    /** The high watermark of {@code partition}, from a lookup that starts after this call. */
    public CompletableFuture<Long> highWatermark(int partition) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        boolean start;
        synchronized (this) {
            queued.computeIfAbsent(partition, p -> new ArrayList<>()).add(result);
            start = !inFlight;
            inFlight = true;
        }
        if (start) {
            sendQueued();
        }
        return result;
    }

    /** The high watermarks of {@code partitions}, all from one lookup that starts after this call. */
    public CompletableFuture<Map<Integer, Long>> highWatermarks(Set<Integer> partitions) {
        Map<Integer, CompletableFuture<Long>> each = new HashMap<>();
        boolean start;
        synchronized (this) {
            for (int partition : partitions) {
                CompletableFuture<Long> result = new CompletableFuture<>();
                queued.computeIfAbsent(partition, p -> new ArrayList<>()).add(result);
                each.put(partition, result);
            }
            start = !inFlight && !partitions.isEmpty();
            inFlight |= start;
        }
        if (start) {
            sendQueued();
        }
        return CompletableFuture.allOf(each.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<Integer, Long> all = new HashMap<>();
            each.forEach((partition, hw) -> all.put(partition, hw.join()));
            return all;
        });
    }

    /** The last high watermark seen for {@code partition}, null if none yet (no lookup is made). */
    public Known lastKnown(int partition) {
        return lastKnown.get(partition);
    }

    /** Starts a lookup of {@code partition} unless its last known high watermark is younger than {@code maxAgeMillis}. */
    public void refreshIfOlder(int partition, long maxAgeMillis) {
        Known known = lastKnown.get(partition);
        if (known == null || known.ageMillis() > maxAgeMillis) {
            highWatermark(partition);
        }
    }

    /** How many lookups were sent so far. */
    public long lookups() {
        return lookups.get();
    }

    private void sendQueued() {
        Map<Integer, List<CompletableFuture<Long>>> batch;
        synchronized (this) {
            batch = queued;
            queued = new HashMap<>();
        }
        lookups.incrementAndGet();
        CompletionStage<Map<Integer, Long>> lookup;
        try {
            lookup = source.latest(Set.copyOf(batch.keySet()));
        } catch (RuntimeException e) {
            lookup = CompletableFuture.failedFuture(e);
        }
        lookup.whenComplete((highWatermarks, failure) -> {
            long now = System.nanoTime();
            batch.forEach((partition, readers) -> {
                Long hw = highWatermarks == null ? null : highWatermarks.get(partition);
                if (hw != null) {
                    lastKnown.merge(partition, new Known(hw, now),
                            (old, fresh) -> fresh.highWatermark() >= old.highWatermark() ? fresh : old);
                    readers.forEach(reader -> reader.complete(hw));
                } else {
                    Throwable why = failure != null ? failure
                            : new IllegalStateException("no high watermark for partition " + partition + " in the answer");
                    readers.forEach(reader -> reader.completeExceptionally(why));
                }
            });
            boolean again;
            synchronized (this) {
                again = !queued.isEmpty();
                inFlight = again;
            }
            if (again) {
                sendQueued();
            }
        });
    }
}
