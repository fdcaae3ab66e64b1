package io.kvlog.materializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link Materializer} needs, built once by whoever starts it (flag > env > default)
 * and passed in. {@link MaterializerTopology#streamsProperties} turns it into Kafka Streams config.
 *
 * @param bootstrapServers the Kafka cluster holding {@link io.kvlog.protocol.Topics#EVENTS}
 * @param applicationId    the Streams application id (default {@code kvlog}); names the state
 *                         directory and client ids, no group (a global store has none)
 * @param stateDir         where this node keeps its copy (RocksDB); one per node
 * @param nodeName         this node's name, for client ids and logs
 * @param dedupeWindow     how long, in log time, an id deduplicates (default 24 h)
 * @param kafkaClient      settings passed to every Kafka client as they are (security protocol,
 *                         SASL, TLS of a real cluster); empty for a local cluster
 */
public record MaterializerConfig(String bootstrapServers, String applicationId, Path stateDir, String nodeName,
                                 Duration dedupeWindow, Map<String, Object> kafkaClient) {

    public static final String DEFAULT_APPLICATION_ID = "kvlog";
    public static final Duration DEFAULT_DEDUPE_WINDOW = Duration.ofHours(24);

    public MaterializerConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(nodeName, "nodeName");
        if (dedupeWindow == null || dedupeWindow.isNegative()) {
            throw new IllegalArgumentException("dedupeWindow: must be >= 0, got " + dedupeWindow);
        }
        kafkaClient = Map.copyOf(kafkaClient == null ? Map.of() : kafkaClient);
    }

    /** The defaults, for a node with the given cluster, state directory and name. */
    public static MaterializerConfig defaults(String bootstrapServers, Path stateDir, String nodeName) {
        return new MaterializerConfig(bootstrapServers, DEFAULT_APPLICATION_ID, stateDir, nodeName,
                DEFAULT_DEDUPE_WINDOW, Map.of());
    }

    public MaterializerConfig withDedupeWindow(Duration window) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, nodeName, window, kafkaClient);
    }

    public MaterializerConfig withKafkaClient(Map<String, Object> settings) {
        return new MaterializerConfig(bootstrapServers, applicationId, stateDir, nodeName, dedupeWindow, settings);
    }
}
