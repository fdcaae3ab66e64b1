package io.kvlog.materializer;

import io.kvlog.materializer.internal.KafkaEventSource;
import io.kvlog.materializer.internal.PartitionDigester;
import io.kvlog.materializer.internal.ByteStore;
import io.kvlog.materializer.internal.MemoryByteStore;
import io.kvlog.materializer.internal.StoreLayout;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.OutcomeCodec;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.Validation;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Re-derives one partition's state from the log, with the same {@link Applier} as the live
 * topology, into a scratch store in memory, and digests it the way {@link Materializer#digest}
 * digests a live copy: equal digests at the same offset mean the copy is what the log says.
 *
 * <p>The scratch store holds the whole partition in memory; fine for verification of test and
 * bench sized partitions. A node rebuilds its copy by replaying the log into its own store.
 */
public final class Replayer {

    private static final long REPORT_EVERY_MS = 1000;

    private final Duration dedupeWindow;
    private final Duration idleTimeout;

    /**
     * @param dedupeWindow the live materializer's dedupe window (a different one derives different state)
     * @param idleTimeout  how long to wait for records before giving up on reaching the end offset
     */
    public Replayer(Duration dedupeWindow, Duration idleTimeout) {
        this.dedupeWindow = dedupeWindow;
        this.idleTimeout = idleTimeout;
    }

    /** How far a replay got, reported about once a second and once at the end. */
    public record Report(int partition, long events, long endOffset, double eventsPerSecond, boolean done) {
    }

    /** The result of a replay: its digest, and the replayed state to look into when digests differ. */
    public static final class Replay {

        private final Digest digest;
        private final long events;
        private final Duration elapsed;
        private final ApplyCounters counters;
        private final int partition;
        private final ByteStore store;

        Replay(Digest digest, long events, Duration elapsed, ApplyCounters counters, int partition, ByteStore store) {
            this.digest = digest;
            this.events = events;
            this.elapsed = elapsed;
            this.counters = counters;
            this.partition = partition;
            this.store = store;
        }

        public Digest digest() {
            return digest;
        }

        /** Records replayed. */
        public long events() {
            return events;
        }

        public Duration elapsed() {
            return elapsed;
        }

        public double eventsPerSecond() {
            return events * 1e9 / Math.max(1, elapsed.toNanos());
        }

        /** What the applier did with the records. */
        public ApplyCounters counters() {
            return counters;
        }

        /** The replayed entry of a key, null if absent. */
        public Entry entry(String key) {
            byte[] stored = store.get(StoreLayout.entry(Validation.key(key)));
            return stored == null ? null : EntryCodec.decode(stored);
        }

        /** The replayed outcome of an id, null if none. */
        public Outcome outcome(String id) {
            byte[] stored = store.get(StoreLayout.outcome(partition, Validation.id(id)));
            return stored == null ? null : OutcomeCodec.decode(stored);
        }
    }

    /**
     * Replays {@code partition} of the cluster's {@code kv.events} (of {@code partitions}) from
     * offset 0 up to {@code endOffset} (exclusive).
     *
     * @param kafkaClient settings the consumer takes as they are (security of a secured cluster)
     */
    public Replay replay(String bootstrapServers, Map<String, Object> kafkaClient, int partition, int partitions,
                         long endOffset, Consumer<Report> progress) {
        try (EventSource source = new KafkaEventSource(bootstrapServers, kafkaClient, partition)) {
            return replay(source, partition, partitions, endOffset, progress);
        }
    }

    /**
     * Replays what {@code source} yields, from its start up to {@code endOffset} (exclusive).
     *
     * @throws IllegalStateException if the source stops yielding before {@code endOffset}
     */
    public Replay replay(EventSource source, int partition, int partitions, long endOffset, Consumer<Report> progress) {
        MemoryByteStore store = new MemoryByteStore();
        Applier applier = new Applier(store, partitions, dedupeWindow);
        ApplyCounters counters = new ApplyCounters();
        long started = System.nanoTime();
        long lastReport = started;
        long lastRecordAt = started;
        long events = 0;
        while (source.position() < endOffset) {
            var batch = source.poll(Duration.ofMillis(200));
            long now = System.nanoTime();
            if (batch.isEmpty() && now - lastRecordAt > idleTimeout.toNanos()) {
                throw new IllegalStateException("replay of partition " + partition + " got nothing for " + idleTimeout
                        + " at offset " + source.position() + ", before end offset " + endOffset);
            }
            for (LogRecord record : batch) {
                if (record.offset() >= endOffset) {
                    break;
                }
                if (record.key() == null) {
                    counters.countNoKey(); // as the global store skips it
                } else {
                    counters.count(applier.apply(record));
                }
                events++;
                lastRecordAt = now;
            }
            if (now - lastReport >= REPORT_EVERY_MS * 1_000_000) {
                progress.accept(new Report(partition, events, endOffset, rate(events, started, now), false));
                lastReport = now;
            }
        }
        long finished = System.nanoTime();
        progress.accept(new Report(partition, events, endOffset, rate(events, started, finished), true));
        return new Replay(PartitionDigester.digest(store, partition, partitions), events,
                Duration.ofNanos(finished - started), counters, partition, store);
    }

    private static double rate(long events, long fromNanos, long toNanos) {
        return events * 1e9 / Math.max(1, toNanos - fromNanos);
    }
}
