package io.kvlog.materializer.internal;

import io.kvlog.materializer.Applier;
import io.kvlog.materializer.ApplyCounters;
import io.kvlog.materializer.AppliedPositions;
import io.kvlog.materializer.ChangeFeed;
import io.kvlog.materializer.LogRecord;
import io.kvlog.materializer.MaterializerTopology;
import io.kvlog.materializer.Progress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.StampedLock;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global store's processor: hands each record of {@code kv.events} (every partition, live
 * and on restore) to the {@link Applier}, advances the partition's {@link AppliedPositions}
 * (which wakes the waiters it reached), counts the result.
 *
 * <p>Never throws for what is on the log: a malformed record is skipped and counted by the
 * applier. It throws (stopping the global thread, and with it this copy; the node is then not
 * ready) only when the copy itself cannot go on: a failing store, or a store in another layout
 * (see {@link StoreLayout#checkOrMark}); both are reported to {@code onFailure} first. A thrown
 * exception keeps Kafka Streams from checkpointing offsets past records that were not applied.
 * A record without a key is skipped with no store write, exactly as a restore skips it, and only
 * advances the position in memory.
 */
public final class ApplyProcessor implements Processor<byte[], byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(ApplyProcessor.class);

    private final Duration dedupeWindow;
    private final ApplyCounters counters;
    private final AppliedPositions positions;
    private final StampedLock lock;
    private final ChangeFeed feed;
    private final java.util.function.Consumer<Throwable> onFailure;
    private ProcessorContext<Void, Void> context;
    private Applier applier;
    private boolean failed;

    /**
     * @param lock held for writing while an event is written and its position advanced, so a
     *             reader holding it sees a store and positions that agree
     */
    public ApplyProcessor(Duration dedupeWindow, ApplyCounters counters, AppliedPositions positions, StampedLock lock,
                          ChangeFeed feed, java.util.function.Consumer<Throwable> onFailure) {
        this.dedupeWindow = dedupeWindow;
        this.counters = counters;
        this.positions = positions;
        this.lock = lock;
        this.feed = feed;
        this.onFailure = onFailure;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        KeyValueStore<Bytes, byte[]> store = context.getStateStore(MaterializerTopology.STORE);
        ByteStore bytes = KafkaByteStore.writable(store);
        this.applier = new Applier(bytes, positions.partitions(), dedupeWindow);
        try {
            StoreLayout.checkOrMark(bytes);
        } catch (IllegalStateException e) {
            // thrown, not skipped: Kafka Streams would otherwise go on and checkpoint offsets past
            // records this copy never applied; failing here, before any record, checkpoints nothing new
            LOG.error("Not applying: {}", e.getMessage());
            onFailure.accept(e);
            throw e;
        }
        // the positions the store holds (from before a restart) are where this copy stands
        try (ByteStore.Range stored = bytes.range(StoreLayout.start(StoreLayout.POSITION, 0),
                StoreLayout.end(StoreLayout.POSITION, Integer.MAX_VALUE - 1))) {
            while (stored.hasNext()) {
                Map.Entry<byte[], byte[]> next = stored.next();
                int partition = StoreLayout.partitionOf(next.getKey());
                Progress progress = StoreLayout.decodeProgress(next.getValue());
                if (partition < positions.partitions()) {
                    positions.advance(partition, progress.offset());
                }
            }
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElse(null);
        if (where == null) { // a record from a source topic always has metadata
            LOG.error("Skipped a record without metadata");
            return;
        }
        int partition = where.partition();
        long offset = where.offset();
        if (failed) {
            return; // nothing more is applied: positions stop, waiters time out, the node is not ready
        }
        if (partition < 0 || partition >= positions.partitions()) {
            LOG.error("Skipped {}-{} offset {}: the topic has more partitions than when this node started ({});"
                    + " restart the node", where.topic(), partition, offset, positions.partitions());
            return;
        }
        if (record.key() == null) {
            counters.countNoKey();
            positions.advance(partition, offset);
            feed.publish(partition, offset, null);
            return;
        }
        Applier.Result result;
        long stamp = lock.writeLock();
        try {
            result = applier.apply(new LogRecord(partition, offset, record.timestamp(), record.key(), record.value()));
        } catch (RuntimeException e) {
            lock.unlockWrite(stamp);
            LOG.error("Applying {}-{} offset {} failed; this copy stops applying", where.topic(), partition, offset, e);
            counters.countFailed();
            failed = true;
            onFailure.accept(e);
            // rethrown: the global thread stops here, so Kafka Streams does not checkpoint offsets
            // past this record (skipping the records after it would let it)
            throw e;
        }
        positions.advanceQuietly(partition, offset);
        lock.unlockWrite(stamp);
        positions.advance(partition, offset);
        feed.publish(partition, offset, result instanceof Applier.Decided decided ? decided.change() : null);
        counters.count(result);
        if (result instanceof Applier.Malformed malformed) {
            LOG.warn("Skipped malformed event at {}-{} offset {}: {}", where.topic(), partition, offset,
                    malformed.error());
        }
    }
}
