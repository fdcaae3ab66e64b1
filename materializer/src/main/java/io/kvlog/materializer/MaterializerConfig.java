package io.kvlog.materializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a {@link Materializer} needs, built once by whoever starts it (flag > env > default)
 * and passed in. {@link MaterializerTopology#streamsProperties} turns it into Kafka Streams config.
 *
 * @param bootstrapServers    the Kafka cluster holding {@link io.kvlog.protocol.Topics#EVENTS}
 * @param applicationId       the Streams application id, the same on every node (default {@code kvlog});
 *                            it prefixes the changelog topics and names the consumer group
 * @param stateDir            where this node keeps its RocksDB stores; one per node
 * @param applicationServer   this node's HTTP {@code host:port}, so others can route reads to it
 * @param standbyReplicas     standby copies of every partition (default 2: each node of a
 *                            3-node cluster holds every partition, as active or standby)
 * @param dedupeWindow        how long, in log time, an id deduplicates (default 24 h)
 * @param processingGuarantee how input offsets and store changes are committed
 * @param replicationFactor   replication factor of the changelog topics (default 3)
 * @param streamThreads       stream threads of this node (default 1)
 * @param purgeInterval       how often, in stream time, expired outcomes are purged (default 1 min)
 * @param sessionTimeout      how long a node that stopped heartbeating (crashed) keeps its active
 *                            copies before the group moves them to standbys (default 10 s)
 */
public record MaterializerConfig(String bootstrapServers, String applicationId, Path stateDir,
                                 String applicationServer, int standbyReplicas, Duration dedupeWindow,
                                 ProcessingGuarantee processingGuarantee, int replicationFactor,
                                 int streamThreads, Duration purgeInterval, Duration sessionTimeout) {

    public static final String DEFAULT_APPLICATION_ID = "kvlog";
    public static final int DEFAULT_STANDBY_REPLICAS = 2;
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofHours(24);
    public static final ProcessingGuarantee DEFAULT_PROCESSING_GUARANTEE = ProcessingGuarantee.EXACTLY_ONCE_V2;
    public static final int DEFAULT_REPLICATION_FACTOR = 3;
    public static final Duration DEFAULT_PURGE_INTERVAL = Duration.ofMinutes(1);
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

    /**
     * How Kafka Streams commits. The default is {@link #EXACTLY_ONCE_V2}, although
     * {@code GuaranteeBenchmark} measured it 2-4x slower on a 2-core machine with three local
     * brokers (warm: ~4-5k against ~11-16k events/s), because at-least-once is not at-most-once
     * with two stores: a crash can leave one store's changelog ahead of the other's (say an entry
     * and the progress of event {@code o}, but not its outcome). The replacement copy then skips
     * {@code o} as applied, its outcome is never recorded, the writer times out, and the client's
     * retry with the same id is applied a second time. Exactly-once commits both changelogs with
     * the input offset, so a copy only ever holds whole events.
     */
    public enum ProcessingGuarantee {
        /** Offsets and store changes committed separately; the applier makes re-processed events no-ops,
         *  but see above: an id can be applied twice after a crash. For benchmarks and experiments. */
        AT_LEAST_ONCE("at_least_once"),
        /** Offsets and both stores' changes committed in one transaction; standbys read committed changes
         *  only (they trail the active by up to the 100 ms commit interval). After a crash Streams wipes
         *  the node's copies and restores them from the changelogs. */
        EXACTLY_ONCE_V2("exactly_once_v2");

        private final String streamsValue;

        ProcessingGuarantee(String streamsValue) {
            this.streamsValue = streamsValue;
        }

        /** The value of Kafka Streams' {@code processing.guarantee}. */
        public String streamsValue() {
            return streamsValue;
        }
    }

    public MaterializerConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(processingGuarantee, "processingGuarantee");
        if (applicationServer == null || !applicationServer.matches("[^:\\s]+:\\d{1,5}")) {
            throw new IllegalArgumentException("applicationServer: must be host:port, got '" + applicationServer + "'");
        }
        if (standbyReplicas < 0) {
            throw new IllegalArgumentException("standbyReplicas: must be >= 0, got " + standbyReplicas);
        }
        if (dedupeWindow == null || dedupeWindow.isNegative()) {
            throw new IllegalArgumentException("dedupeWindow: must be >= 0, got " + dedupeWindow);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replicationFactor: must be >= 1, got " + replicationFactor);
        }
        if (streamThreads < 1) {
            throw new IllegalArgumentException("streamThreads: must be >= 1, got " + streamThreads);
        }
        if (purgeInterval == null || purgeInterval.isNegative() || purgeInterval.isZero()) {
            throw new IllegalArgumentException("purgeInterval: must be > 0, got " + purgeInterval);
        }
        if (sessionTimeout == null || sessionTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException("sessionTimeout: must be >= 1 s, got " + sessionTimeout);
        }
    }

    /** The defaults, for a node with the given cluster, state directory and HTTP address. */
    public static MaterializerConfig defaults(String bootstrapServers, Path stateDir, String applicationServer) {
        return new MaterializerConfig(bootstrapServers, DEFAULT_APPLICATION_ID, stateDir, applicationServer,
                DEFAULT_STANDBY_REPLICAS, DEFAULT_DEDUPE_WINDOW, DEFAULT_PROCESSING_GUARANTEE,
                DEFAULT_REPLICATION_FACTOR, 1, DEFAULT_PURGE_INTERVAL, DEFAULT_SESSION_TIMEOUT);
    }

    public MaterializerConfig withApplicationId(String id) {
        return new MaterializerConfig(bootstrapServers, id, stateDir, applicationServer, standbyReplicas,
                dedupeWindow, processingGuarantee, replicationFactor, streamThreads, purgeInterval, sessionTimeout);
    }

    public MaterializerConfig withStandbyReplicas(int standbys) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, applicationServer, standbys,
                dedupeWindow, processingGuarantee, replicationFactor, streamThreads, purgeInterval, sessionTimeout);
    }

    public MaterializerConfig withDedupeWindow(Duration window) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, applicationServer, standbyReplicas,
                window, processingGuarantee, replicationFactor, streamThreads, purgeInterval, sessionTimeout);
    }

    public MaterializerConfig withProcessingGuarantee(ProcessingGuarantee guarantee) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, applicationServer, standbyReplicas,
                dedupeWindow, guarantee, replicationFactor, streamThreads, purgeInterval, sessionTimeout);
    }

    public MaterializerConfig withReplicationFactor(int factor) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, applicationServer, standbyReplicas,
                dedupeWindow, processingGuarantee, factor, streamThreads, purgeInterval, sessionTimeout);
    }

    public MaterializerConfig withStreamThreads(int threads) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, applicationServer, standbyReplicas,
                dedupeWindow, processingGuarantee, replicationFactor, threads, purgeInterval, sessionTimeout);
    }

    public MaterializerConfig withPurgeInterval(Duration interval) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, applicationServer, standbyReplicas,
                dedupeWindow, processingGuarantee, replicationFactor, streamThreads, interval, sessionTimeout);
    }

    public MaterializerConfig withSessionTimeout(Duration timeout) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, applicationServer, standbyReplicas,
                dedupeWindow, processingGuarantee, replicationFactor, streamThreads, purgeInterval, timeout);
    }
}
