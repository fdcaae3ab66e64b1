package io.kvlog.materializer;

import io.kvlog.materializer.internal.ApplyProcessor;
import io.kvlog.protocol.Topics;
import java.util.Properties;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams application of the materializer: {@link #build} the topology,
 * {@link #streamsProperties} its config. Separate static methods, so tests drive the topology
 * with {@code TopologyTestDriver} and no broker.
 *
 * <p>One global store, {@link #STORE}: every partition of {@link Topics#EVENTS} is read by the
 * global thread and handed to the {@link ApplyProcessor} (live, and since Kafka 3.8 on restore
 * too), which writes entries, outcomes and each partition's position into the one persistent
 * RocksDB store. No changelog (the log is the changelog), no consumer group, no tasks: every
 * node holds a full copy.
 */
public final class MaterializerTopology {

    /** The one store of a copy: entries, outcomes and positions (see {@code StoreLayout}). */
    public static final String STORE = "kv-copy";

    static final String SOURCE = "kv-events-source";
    static final String APPLY = "apply";

    private MaterializerTopology() {
    }

    /**
     * The topology.
     *
     * @param counters  receives a count of every record applied or skipped
     * @param positions advanced by every record
     * @param lock      held for writing while a record is applied (see {@link ApplyProcessor})
     * @param feed      told of every record applied, after its position advanced
     * @param onFailure told if the store fails (the copy stops applying)
     */
    public static Topology build(MaterializerConfig config, ApplyCounters counters, AppliedPositions positions,
                                 StampedLock lock, ChangeFeed feed, Consumer<Throwable> onFailure) {
        StreamsBuilder builder = new StreamsBuilder();
        StoreBuilder<KeyValueStore<Bytes, byte[]>> store = Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingDisabled()
                // a global store's changelog is its source topic
                .withLoggingDisabled();
        builder.addGlobalStore(store, Topics.EVENTS,
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE),
                () -> new ApplyProcessor(config.dedupeWindow(), counters, positions, lock, feed, onFailure));
        return builder.build();
    }

    /** The Kafka Streams config for {@code config}. */
    public static Properties streamsProperties(MaterializerConfig config) {
        Properties props = new Properties();
        // the client settings of a secured cluster first: what kvlog sets below is not theirs to change
        props.putAll(config.kafkaClient());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // the processor never throws (it counts and skips); with the handler on for the global
        // thread too, a bug that did throw is logged and fails the copy as before (LogAndFail)
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        // how often the global thread may flush the store with its offsets. Kafka Streams 4.3.1
        // also waits for 10,000 new offsets (OFFSET_DELTA_THRESHOLD_FOR_CHECKPOINT) and runs
        // RocksDB without a write-ahead log, so a crash re-reads up to that much of the log (a
        // node killed soon after a rebuild re-reads all of it); what RocksDB flushed on its own
        // beyond those offsets is skipped by the stored positions (FullCopyIT shows it)
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 10_000);
        // big fetches for replay (restore) speed; a fetch still returns as soon as one record
        // arrives (fetch.min.bytes 1), so a live event is applied within milliseconds
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 10_000);
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 8 << 20);
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), 64 << 20);
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 100);
        props.put(StreamsConfig.globalConsumerPrefix(ConsumerConfig.CLIENT_ID_CONFIG),
                config.applicationId() + "-" + config.nodeName() + "-global");
        return props;
    }
}
