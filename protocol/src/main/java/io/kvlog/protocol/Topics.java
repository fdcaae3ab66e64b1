package io.kvlog.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;

/**
 * The topics of kvlog and the configuration DESIGN.md fixes for them.
 *
 * <p>{@code kv.events} is the source of truth: every replica is derived from it, so it keeps
 * its full history ({@code retention.ms=-1}) and never elects an out-of-sync leader.
 */
public final class Topics {

    /** The event log: record key = UTF-8 user key, value = one JSON event. */
    public static final String EVENTS = "kv.events";

    /** Default number of partitions of {@link #EVENTS}. */
    public static final int DEFAULT_PARTITIONS = 12;

    /** Replication factor of {@link #EVENTS}. */
    public static final short EVENTS_REPLICATION_FACTOR = 3;

    /** Topic-level configs {@link #EVENTS} must carry, exactly. */
    public static final Map<String, String> EVENTS_CONFIG = Map.of(
            "min.insync.replicas", "2",
            "unclean.leader.election.enable", "false",
            "retention.ms", "-1");

    /**
     * The partition of {@link #EVENTS} a key lives in: what Kafka's default partitioner picks for
     * a record keyed by the key's UTF-8 bytes (murmur2, made positive, modulo the partition count).
     */
    public static int partitionOf(String key, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: must be >= 1, got " + partitions);
        }
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private Topics() {
    }
}
