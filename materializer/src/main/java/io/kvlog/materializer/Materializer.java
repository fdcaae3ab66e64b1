package io.kvlog.materializer;

import io.kvlog.materializer.internal.ByteStore;
import io.kvlog.materializer.internal.HistoryIndex;
import io.kvlog.materializer.internal.KafkaByteStore;
import io.kvlog.materializer.internal.PartitionDigester;
import io.kvlog.materializer.internal.StoreLayout;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the whole data set: a Kafka Streams application with one global store
 * ({@link MaterializerTopology}) that applies every partition of {@link Topics#EVENTS}, and the
 * reads of that copy (IQv1: global stores are not queryable through IQv2).
 *
 * <p>Lifecycle: {@link #start} replays the log from the copy's stored positions up to the high
 * watermarks it sees at start (Kafka Streams restores global stores inside {@code start()}),
 * then returns: the copy is caught up and {@link #ready}. {@link #close} flushes the store with
 * its offsets, so a restart replays only what it missed.
 *
 * <p>Reads see the store and its {@link #positions} as they were between two applied records
 * (a {@link StampedLock} the applier holds while it writes), so a read's position is never
 * behind what it read.
 */
public final class Materializer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Materializer.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final long PROGRESS_LOG_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final MaterializerConfig config;
    private final int partitions;
    private final ApplyCounters counters = new ApplyCounters();
    private final AppliedPositions positions;
    private final ChangeFeed feed;
    private final StampedLock lock = new StampedLock();
    private final Restore restore = new Restore();
    private final CountDownLatch running = new CountDownLatch(1);
    // created in the constructor, closed in close()
    private final KafkaStreams streams;
    private volatile ByteStore store;
    private volatile Throwable failure;
    private volatile boolean started;

    /** @param partitions the partitions of {@link Topics#EVENTS} (every one is applied) */
    public Materializer(MaterializerConfig config, int partitions) {
        this.config = config;
        this.partitions = partitions;
        this.positions = new AppliedPositions(partitions);
        this.feed = new ChangeFeed(positions);
        this.streams = new KafkaStreams(MaterializerTopology.build(config, counters, positions, lock, feed,
                this::failed),
                MaterializerTopology.streamsProperties(config));
        streams.setGlobalStateRestoreListener(restore);
        streams.setStateListener((now, before) -> {
            LOG.info("Materializer {} state {} -> {}", config.nodeName(), before, now);
            if (now == KafkaStreams.State.RUNNING || !now.isRunningOrRebalancing()) {
                running.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            // the global thread cannot be replaced: this copy stops, the node is not ready
            LOG.error("Materializer {} failed", config.nodeName(), e);
            failed(e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    }

    /**
     * Replays the log up to the high watermarks at start (blocking, however long that takes:
     * {@link #restore} shows the progress), then waits up to {@code timeout} for Streams to run.
     *
     * @throws IllegalStateException if it failed, or is not running within {@code timeout}
     */
    public void start(Duration timeout) throws InterruptedException {
        restore.began = System.nanoTime();
        streams.start();
        boolean inTime = running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING || failure != null) {
            throw new IllegalStateException("Materializer " + config.nodeName() + " on " + config.bootstrapServers()
                    + " is " + state + (inTime ? "" : " after waiting " + timeout) + ", not RUNNING"
                    + (failure == null ? "" : ": " + failure), failure);
        }
        ReadOnlyKeyValueStore<Bytes, byte[]> view = streams.store(StoreQueryParameters.fromNameAndType(
                MaterializerTopology.STORE, QueryableStoreTypes.<Bytes, byte[]>keyValueStore()));
        store = KafkaByteStore.readOnly(view);
        restore.finish();
        started = true;
        LOG.info("Materializer {} caught up: replayed {} events in {} ms; positions {}", config.nodeName(),
                restore.events.get(), TimeUnit.NANOSECONDS.toMillis(restore.elapsedNanos()), positions.snapshot());
    }

    /** Whether the copy is caught up with the log as it was at start and still applying. */
    public boolean ready() {
        return started && failure == null && streams.state() == KafkaStreams.State.RUNNING;
    }

    /** Why the copy is not ready, or "ready". */
    public String state() {
        if (failure != null) {
            return "FAILED: " + failure;
        }
        if (!started) {
            return "REPLAYING the log (" + restore.events.get() + " events so far)";
        }
        return streams.state().name();
    }

    public int partitions() {
        return partitions;
    }

    /** How far this copy has applied each partition; the waiter registry of every wait path. */
    public AppliedPositions positions() {
        return positions;
    }

    /** The live feed of what this copy applies: what watchers subscribe to. */
    public ChangeFeed feed() {
        return feed;
    }

    /** The replay at start: progress while it runs, totals once done. */
    public RestoreProgress restore() {
        return restore.progress();
    }

    /**
     * The Kafka Streams client applying the log, for its client metrics (the global consumer's
     * lag per partition among them): read its metrics only, never change its state.
     */
    public KafkaStreams streams() {
        return streams;
    }

    /** What the applier did on this node since start. */
    public ApplyCounters counters() {
        return counters;
    }

    /** A key's entry and the position of its partition, read together. */
    public record Versioned(Entry entry, int partition, long position) {
        /** The key's version: 0 when absent. */
        public long version() {
            return entry == null ? 0 : entry.version();
        }
    }

    /**
     * The key's entry in this copy (null if absent) and its partition's position at that moment.
     *
     * @throws IllegalArgumentException if the key is not a valid key
     * @throws IllegalStateException    if the copy is not started
     */
    public Versioned get(String key) {
        Validation.key(key);
        ByteStore view = view();
        int partition = Topics.partitionOf(key, partitions);
        byte[] entryKey = StoreLayout.entry(key);
        long stamp = lock.tryOptimisticRead();
        byte[] stored = view.get(entryKey);
        long position = positions.applied(partition);
        if (!lock.validate(stamp)) {
            stamp = lock.readLock();
            try {
                stored = view.get(entryKey);
                position = positions.applied(partition);
            } finally {
                lock.unlockRead(stamp);
            }
        }
        return new Versioned(stored == null ? null : EntryCodec.decode(stored), partition, position);
    }

    /**
     * The first outcome of event {@code id} in {@code partition} (the key's), null if there is
     * none (yet, or any more: purged after the window).
     */
    public Outcome outcome(int partition, String id) {
        Validation.id(id);
        byte[] stored = view().get(StoreLayout.outcome(partition, id));
        return stored == null ? null : OutcomeCodec.decode(stored);
    }

    /**
     * Up to {@code limit} present keys in key order (the order of their UTF-8 bytes) from
     * {@code from} (null: the first; inclusive unless {@code afterFrom}) to {@code to} (null:
     * the last; exclusive), read from one RocksDB iterator: one point in time.
     */
    public List<KeyValue<String, Entry>> range(String from, boolean afterFrom, String to, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: must be >= 1, got " + limit);
        }
        byte[] start = from == null ? StoreLayout.entriesStart() : StoreLayout.entry(from);
        byte[] end = to == null ? StoreLayout.entriesEnd() : StoreLayout.entry(to);
        List<KeyValue<String, Entry>> page = new ArrayList<>(Math.min(limit, 1024));
        try (ByteStore.Range range = view().range(start, end)) {
            while (page.size() < limit && range.hasNext()) {
                Map.Entry<byte[], byte[]> next = range.next();
                if ((afterFrom && java.util.Arrays.equals(next.getKey(), start))
                        || java.util.Arrays.equals(next.getKey(), end)) {
                    continue;
                }
                page.add(KeyValue.pair(StoreLayout.userKey(next.getKey()), EntryCodec.decode(next.getValue())));
            }
        }
        return page;
    }

    /**
     * Up to {@code limit} versions of {@code key} below {@code before} (exclusive; 0 or less: no
     * bound), newest first, from one iterator.
     */
    public List<Revision> history(String key, long before, int limit) {
        Validation.key(key);
        return HistoryIndex.page(view(), key, before, limit);
    }

    /** The version {@code version} of {@code key}, null if no change of the key made it (in this copy, so far). */
    public Revision revision(String key, long version) {
        Validation.key(key);
        return HistoryIndex.revision(view(), key, version);
    }

    /** A digest of this copy's state of {@code partition}, from one iterator (one point in time). */
    public Digest digest(int partition) {
        if (partition < 0 || partition >= partitions) {
            throw new IllegalArgumentException("partition: must be 0-" + (partitions - 1) + ", got " + partition);
        }
        return PartitionDigester.digest(view(), partition, partitions);
    }

    private ByteStore view() {
        ByteStore view = store;
        if (view == null) {
            throw new IllegalStateException("the copy of " + config.nodeName() + " is not started: " + state());
        }
        return view;
    }

    private void failed(Throwable e) {
        if (failure == null) {
            failure = e;
        }
    }

    /** Flushes the store with its offsets and stops; waits up to 30 s. The copy is kept. */
    @Override
    public void close() {
        if (!streams.close(CLOSE_TIMEOUT)) {
            LOG.warn("Materializer {} did not shut down within {}", config.nodeName(), CLOSE_TIMEOUT);
        }
    }

    /** Progress of the replay a copy does at start. */
    public record RestoreProgress(long events, double eventsPerSecond, long remaining, boolean done, long elapsedMillis) {
    }

    /** Counts what the global store restores (replays) at start, and advances positions past what it skipped. */
    private final class Restore implements StateRestoreListener {
        final AtomicLong events = new AtomicLong();
        /** Partition -> the end offset the replay goes to. */
        final Map<Integer, Long> ends = new java.util.concurrent.ConcurrentHashMap<>();
        volatile long began = System.nanoTime();
        volatile long ended;
        volatile long lastLog = System.nanoTime();

        @Override
        public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
            ends.put(partition.partition(), endingOffset);
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
            events.addAndGet(numRestored);
            // batchEndOffset is the consumer's position: records it skipped (no key, transaction
            // markers) are behind this copy too
            if (partition.partition() < positions.partitions()) {
                positions.advance(partition.partition(), batchEndOffset - 1);
            }
            long now = System.nanoTime();
            if (now - lastLog > PROGRESS_LOG_NANOS) {
                lastLog = now;
                RestoreProgress progress = progress();
                LOG.info("Materializer {} replaying the log: {} events ({} events/s), {} to go", config.nodeName(),
                        progress.events(), Math.round(progress.eventsPerSecond()), progress.remaining());
            }
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        }

        void finish() {
            ended = System.nanoTime();
        }

        long elapsedNanos() {
            return (ended == 0 ? System.nanoTime() : ended) - began;
        }

        long remaining() {
            long remaining = 0;
            for (Map.Entry<Integer, Long> end : ends.entrySet()) {
                if (end.getKey() < positions.partitions()) {
                    remaining += Math.max(0, end.getValue() - 1 - positions.applied(end.getKey()));
                }
            }
            return remaining;
        }

        RestoreProgress progress() {
            long elapsed = elapsedNanos();
            long done = events.get();
            return new RestoreProgress(done, done * 1e9 / Math.max(1, elapsed),
                    ended != 0 ? 0 : remaining(), ended != 0,
                    TimeUnit.NANOSECONDS.toMillis(elapsed));
        }
    }
}
