package io.kvlog.materializer.internal;

import io.kvlog.materializer.Applier;
import io.kvlog.materializer.ApplyCounters;
import io.kvlog.materializer.LogRecord;
import io.kvlog.materializer.MaterializerTopology;
import io.kvlog.materializer.Progress;
import io.kvlog.protocol.OutcomeCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one processor of the topology: hands each record of its partition to an {@link Applier}
 * over the task's two stores, counts the result, logs malformed records with partition and
 * offset. Also purges expired outcomes on stream time. One instance per task (partition).
 */
public final class ApplyProcessor implements Processor<byte[], byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(ApplyProcessor.class);

    private final Duration dedupeWindow;
    private final Duration purgeInterval;
    private final ApplyCounters counters;
    private final Object storeLock;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, byte[]> entries;
    private KeyValueStore<String, byte[]> outcomes;
    private Applier applier;

    /** @param storeLock held while the stores are written; see {@link MaterializerTopology#build(io.kvlog.materializer.MaterializerConfig, ApplyCounters, Object)} */
    public ApplyProcessor(Duration dedupeWindow, Duration purgeInterval, ApplyCounters counters, Object storeLock) {
        this.dedupeWindow = dedupeWindow;
        this.purgeInterval = purgeInterval;
        this.counters = counters;
        this.storeLock = storeLock;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.entries = context.getStateStore(MaterializerTopology.ENTRIES_STORE);
        this.outcomes = context.getStateStore(MaterializerTopology.OUTCOMES_STORE);
        this.applier = new Applier(StoredForms.entries(table(entries)), StoredForms.outcomes(table(outcomes)),
                dedupeWindow);
        context.schedule(purgeInterval, PunctuationType.STREAM_TIME, streamTime -> {
            synchronized (storeLock) {
                purgeExpiredOutcomes();
            }
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata()
                .orElseThrow(() -> new IllegalStateException("a record from a source topic always has metadata"));
        Applier.Result result;
        synchronized (storeLock) {
            result = applier.apply(
                    new LogRecord(where.partition(), where.offset(), record.timestamp(), record.key(), record.value()));
        }
        counters.count(result);
        if (result instanceof Applier.Malformed malformed) {
            LOG.warn("Skipped malformed event at {}-{} offset {}: {}", where.topic(), where.partition(),
                    where.offset(), malformed.error());
        }
    }

    /** Deletes outcomes that can no longer deduplicate anything; decisions never depend on it having run. */
    private void purgeExpiredOutcomes() {
        byte[] stored = entries.get(StoredForms.PROGRESS_KEY);
        if (stored == null) {
            return;
        }
        Progress progress = StoredForms.decodeProgress(stored);
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = outcomes.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> next = all.next();
                if (!StoredForms.isProgress(next.key)
                        && applier.expired(OutcomeCodec.decode(next.value), progress.logTime())) {
                    expired.add(next.key);
                }
            }
        }
        expired.forEach(outcomes::delete);
        if (!expired.isEmpty()) {
            LOG.debug("Purged {} expired outcomes at log time {}", expired.size(), progress.logTime());
        }
    }

    private static ByteTable table(KeyValueStore<String, byte[]> store) {
        return new ByteTable() {
            @Override
            public byte[] get(String key) {
                return store.get(key);
            }

            @Override
            public void put(String key, byte[] value) {
                store.put(key, value);
            }

            @Override
            public void delete(String key) {
                store.delete(key);
            }
        };
    }
}
