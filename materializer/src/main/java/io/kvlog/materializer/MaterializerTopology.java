package io.kvlog.materializer;

import io.kvlog.materializer.internal.ApplyProcessor;
import io.kvlog.materializer.internal.LogTimeExtractor;
import io.kvlog.protocol.Topics;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams application of the materializer: {@link #build} the topology,
 * {@link #streamsProperties} its config. Separate static methods, so tests drive the topology
 * with {@code TopologyTestDriver} and no broker.
 *
 * <p>One sub-topology: {@link Topics#EVENTS} (bytes, decoded by the applier so a bad record is
 * counted rather than failing the task) → {@code apply} → two persistent RocksDB stores with
 * changelogs: {@link #ENTRIES_STORE} (user key → {@link io.kvlog.protocol.EntryCodec entry}) and
 * {@link #OUTCOMES_STORE} (id → {@link io.kvlog.protocol.OutcomeCodec outcome}). Task {@code 0_p}
 * owns partition {@code p}; its standbys copy its stores from the changelogs.
 */
public final class MaterializerTopology {

    /** The store of entries, by user key. */
    public static final String ENTRIES_STORE = "kv-entries";
    /** The store of outcomes, by event id. */
    public static final String OUTCOMES_STORE = "kv-outcomes";

    static final String SOURCE = "kv-events-source";
    static final String APPLY = "apply";

    private MaterializerTopology() {
    }

    /**
     * Largest changelog record the stores may write: twice the largest event (an Append's outcome
     * carries the whole new value, and its JSON may escape it).
     */
    static final int MAX_CHANGELOG_RECORD_BYTES = 2 * Topics.maxEventBytes(io.kvlog.protocol.Validation.DEFAULT_MAX_VALUE_BYTES);

    /** Backoff of the Streams producer's retries (its default, 100 ms, stalls commits: see {@link #streamsProperties}). */
    static final int CHANGELOG_RETRY_BACKOFF_MS = 10;

    /** The topology; {@code counters} receives a count of every record applied or skipped. */
    public static Topology build(MaterializerConfig config, ApplyCounters counters) {
        return build(config, counters, new Object());
    }

    /**
     * The topology, whose processors hold {@code storeLock} while they write the stores. Whoever
     * queries the stores (IQv2) must hold it too: Kafka Streams 4.3.1 takes the store's position
     * lock, then the store's lock, in a query, and the reverse order in a put, so a query racing
     * an apply can deadlock the stream thread for good (KAFKA-19629).
     */
    public static Topology build(MaterializerConfig config, ApplyCounters counters, Object storeLock) {
        Topology topology = new Topology();
        // earliest: a new application id starts from offset 0, the whole history
        topology.addSource(AutoOffsetReset.earliest(), SOURCE, new LogTimeExtractor(), new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Topics.EVENTS);
        topology.addProcessor(APPLY, () -> new ApplyProcessor(config.dedupeWindow(), config.purgeInterval(), counters,
                storeLock),
                SOURCE);
        Map<String, String> changelog = Map.of(
                "min.insync.replicas", String.valueOf(Math.min(2, config.replicationFactor())),
                // an entry or outcome record holds a whole value: the 1 MiB default would refuse
                // a valid one, and a refused changelog write stops the materializer
                "max.message.bytes", Integer.toString(MAX_CHANGELOG_RECORD_BYTES));
        topology.addStateStore(store(ENTRIES_STORE, changelog), APPLY);
        topology.addStateStore(store(OUTCOMES_STORE, changelog), APPLY);
        return topology;
    }

    /** The Kafka Streams config for {@code config}. */
    public static Properties streamsProperties(MaterializerConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.applicationServer());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee().streamsValue());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        // No record cache: every store write goes to the changelog at once, so standbys follow
        // the active within milliseconds and reads of the active see every applied event.
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        // Changelog records carry the input position, so standby positions advance (IQv2 bounds work on standbys).
        props.put(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, true);
        // Streams defaults to linger.ms=100, which would make standbys trail by 100 ms.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), MAX_CHANGELOG_RECORD_BYTES);
        // Under exactly-once the first changelog write of a transaction often meets the previous
        // commit still completing (CONCURRENT_TRANSACTIONS) and is retried after retry.backoff.ms:
        // at the default 100 ms that stalled every commit, so apply (wait=applied, linearizable
        // reads) trailed the log by ~50 ms at the median. Retry soon instead.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), CHANGELOG_RETRY_BACKOFF_MS);
        // A crashed node's active copies move to their (hot) standbys after this long.
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                (int) config.sessionTimeout().toMillis());
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                (int) Math.max(500, config.sessionTimeout().toMillis() / 5));
        // Under either guarantee skip aborted input, as a replay (read_committed) does.
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        // Static membership: a node's clean close (LEAVE_GROUP) removes it from the group at once
        // (measured: a dynamic member's close sent no LeaveGroup here, so its copies waited out
        // the session timeout), and a restarted node takes its place back. A crashed node is
        // noticed after the session timeout.
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                config.applicationId() + "-" + config.applicationServer().replace(':', '-'));
        return props;
    }

    private static StoreBuilder<KeyValueStore<String, byte[]>> store(String name, Map<String, String> changelog) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(changelog);
    }
}
