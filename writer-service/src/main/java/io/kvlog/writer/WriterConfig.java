package io.kvlog.writer;

import io.kvlog.http.NodeSecurity;
import io.kvlog.protocol.Validation;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the writer needs, built once by the node (flag > env > default) and passed in.
 *
 * @param bootstrapServers the Kafka cluster holding {@code kv.events}
 * @param ackTimeout       the deadline of a write, from its arrival (default 1000 ms): past it the
 *                         reply is {@code OperationFailed}
 * @param maxValueBytes    largest value in UTF-8 bytes (default 1 MiB)
 * @param maxInFlight      writes this node accepts at once; beyond it new ones get 503 with
 *                         {@code Retry-After} instead of queueing without bound (default 4096)
 * @param kafkaClient      settings the producer takes as they are (security of a real cluster)
 * @param security         how this node calls the others ({@code wait=all}): TLS and its token
 */
public record WriterConfig(String bootstrapServers, Duration ackTimeout, int maxValueBytes, int maxInFlight,
                           java.util.Map<String, Object> kafkaClient, NodeSecurity security) {

    public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofMillis(1000);
    public static final int DEFAULT_MAX_IN_FLIGHT = 4096;

    public WriterConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (ackTimeout == null || ackTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("ackTimeout: must be >= 1 ms, got " + ackTimeout);
        }
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("maxValueBytes: must be >= 1, got " + maxValueBytes);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight: must be >= 1, got " + maxInFlight);
        }
        kafkaClient = java.util.Map.copyOf(kafkaClient == null ? java.util.Map.of() : kafkaClient);
        security = security == null ? NodeSecurity.NONE : security;
    }

    public static WriterConfig defaults(String bootstrapServers) {
        return new WriterConfig(bootstrapServers, DEFAULT_ACK_TIMEOUT, Validation.DEFAULT_MAX_VALUE_BYTES,
                DEFAULT_MAX_IN_FLIGHT, java.util.Map.of(), NodeSecurity.NONE);
    }

    public WriterConfig withAckTimeout(Duration timeout) {
        return new WriterConfig(bootstrapServers, timeout, maxValueBytes, maxInFlight, kafkaClient, security);
    }

    public WriterConfig withMaxValueBytes(int bytes) {
        return new WriterConfig(bootstrapServers, ackTimeout, bytes, maxInFlight, kafkaClient, security);
    }

    public WriterConfig withMaxInFlight(int writes) {
        return new WriterConfig(bootstrapServers, ackTimeout, maxValueBytes, writes, kafkaClient, security);
    }

    public WriterConfig withKafkaClient(java.util.Map<String, Object> settings) {
        return new WriterConfig(bootstrapServers, ackTimeout, maxValueBytes, maxInFlight, settings, security);
    }
}
