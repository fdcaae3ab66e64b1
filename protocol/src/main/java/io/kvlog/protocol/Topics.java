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

    /** Membership heartbeats of the nodes: compacted, so it holds each node's latest heartbeat. */
    public static final String NODES = "kv.nodes";

    /** Default number of partitions of {@link #EVENTS}. */
    public static final int DEFAULT_PARTITIONS = 12;

    /** Replication factor of {@link #EVENTS}. */
    public static final short EVENTS_REPLICATION_FACTOR = 3;

    /** Topic-level configs {@link #EVENTS} must carry, exactly. */
    public static final Map<String, String> EVENTS_CONFIG = Map.of(
            "min.insync.replicas", "2",
            "unclean.leader.election.enable", "false",
            "retention.ms", "-1",
            // the broker default (1 MiB) would refuse the event of a valid 1 MiB value
            "max.message.bytes", Integer.toString(maxEventBytes(Validation.DEFAULT_MAX_VALUE_BYTES)));

    /**
     * The largest record a valid write can make, in bytes: in the event's JSON a value byte takes
     * up to 6 bytes (a control character is escaped as a backslash-u and four hex digits), plus
     * the key, the id and the envelope, plus the record batch's own overhead. The topic's
     * {@code max.message.bytes} and the producer's {@code max.request.size} must be at least this.
     */
    public static int maxEventBytes(int maxValueBytes) {
        long bytes = 6L * maxValueBytes + Validation.MAX_KEY_BYTES + Validation.MAX_ID_CHARS + 16 * 1024;
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

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
