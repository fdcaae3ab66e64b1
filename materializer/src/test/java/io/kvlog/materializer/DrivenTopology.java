package io.kvlog.materializer;

import io.kvlog.materializer.internal.PartitionDigester;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import io.kvlog.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The materializer topology in a {@link TopologyTestDriver}: pipe events in, read the stores.
 * Keeps every record piped (with the offset and log time the driver gave it) so a test can
 * replay the same log with a {@link Replayer}.
 */
final class DrivenTopology implements AutoCloseable {

    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    final MaterializerConfig config;
    final ApplyCounters counters = new ApplyCounters();
    final List<LogRecord> log = new ArrayList<>();
    // created in the constructor, closed in close()
    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> events;
    private final KeyValueStore<String, byte[]> entries;
    private final KeyValueStore<String, byte[]> outcomes;

    DrivenTopology(Path stateDir, Duration dedupeWindow, Duration purgeInterval) {
        this.config = MaterializerConfig.defaults("unused:9092", stateDir, "localhost:8080")
                .withDedupeWindow(dedupeWindow)
                .withPurgeInterval(purgeInterval);
        this.driver = new TopologyTestDriver(MaterializerTopology.build(config, counters),
                MaterializerTopology.streamsProperties(config), T0);
        this.events = driver.createInputTopic(Topics.EVENTS, new ByteArraySerializer(), new ByteArraySerializer());
        this.entries = driver.getKeyValueStore(MaterializerTopology.ENTRIES_STORE);
        this.outcomes = driver.getKeyValueStore(MaterializerTopology.OUTCOMES_STORE);
    }

    DrivenTopology(Path stateDir) {
        this(stateDir, MaterializerConfig.DEFAULT_DEDUPE_WINDOW, MaterializerConfig.DEFAULT_PURGE_INTERVAL);
    }

    /** Pipes an event for {@code key} at log time {@code at}; returns its offset. */
    long pipe(String key, Event event, Instant at) {
        return pipeRaw(key == null ? null : key.getBytes(StandardCharsets.UTF_8), EventCodec.encode(event), at);
    }

    /** Pipes any record value; returns its offset. */
    long pipeRaw(byte[] key, byte[] value, Instant at) {
        long offset = log.size(); // the driver numbers the records of its one partition from 0
        events.pipeInput(key, value, at);
        log.add(new LogRecord(0, offset, at.toEpochMilli(), key, value));
        return offset;
    }

    Entry entry(String key) {
        byte[] bytes = entries.get(key);
        return bytes == null ? null : EntryCodec.decode(bytes);
    }

    Outcome outcome(String id) {
        byte[] bytes = outcomes.get(id);
        return bytes == null ? null : OutcomeCodec.decode(bytes);
    }

    /** Records in the outcomes store, its progress included. */
    long storedOutcomes() {
        return outcomes.approximateNumEntries();
    }

    /** The digest of the driver's stores, computed as {@link Materializer#digest} computes a live one. */
    Digest digest() {
        PartitionDigester digester = new PartitionDigester(config.dedupeWindow());
        try (KeyValueIterator<String, byte[]> all = entries.all()) {
            all.forEachRemaining((KeyValue<String, byte[]> kv) -> digester.entry(kv.key, kv.value));
        }
        try (KeyValueIterator<String, byte[]> all = outcomes.all()) {
            all.forEachRemaining((KeyValue<String, byte[]> kv) -> digester.outcome(kv.key, kv.value));
        }
        return digester.finish(0);
    }

    @Override
    public void close() {
        driver.close();
    }
}
