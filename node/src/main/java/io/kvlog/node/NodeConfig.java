package io.kvlog.node;

import io.kvlog.http.NodeSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a node runs with, built once from flags, {@code KV_*} environment variables and
 * defaults, in that order (see {@link NodeMain}), and passed to {@link Node}.
 *
 * @param nodeId           this node's id (1, 2, …); it is {@code node-ID} in replies
 * @param host             address the HTTP server binds and advertises (default 127.0.0.1)
 * @param port             HTTP port (default 8080)
 * @param bootstrapServers the Kafka cluster
 * @param stateDir         where this node keeps its RocksDB copies
 * @param partitions       partitions of kv.events, used when the node has to create the topic
 * @param replicationFactor replication factor of kv.events (default 3)
 * @param ackTimeout       the write deadline (default 1000 ms)
 * @param dedupeWindow     how long, in log time, a request id deduplicates (default 24 h)
 * @param maxValueBytes    largest value (default 1 MiB)
 * @param roles            what this node runs
 * @param nodeTimeout      how long after its last heartbeat another node stops counting as live (default 3 s)
 * @param watchBufferBytes how many bytes of changes one watcher may fall behind before it is
 *                         closed with an error event (default 16 MiB)
 * @param kafkaClient      settings passed as they are to every Kafka client of the node (security
 *                         protocol, SASL, TLS of a real cluster); empty for a local cluster
 * @param httpLimits       what one client connection may take of the HTTP server (sizes of a request's
 *                         head, head, idle and body timeouts, open connections)
 * @param security         who may call the node, how it calls the others, TLS (default none)
 */
public record NodeConfig(int nodeId, String host, int port, String bootstrapServers, Path stateDir, int partitions,
                         int replicationFactor, Duration ackTimeout, Duration dedupeWindow,
                         int maxValueBytes, Set<Role> roles, Duration nodeTimeout, long watchBufferBytes,
                         Map<String, Object> kafkaClient, HttpLimits httpLimits, NodeSecurity security) {

    public static final Duration DEFAULT_NODE_TIMEOUT = Duration.ofSeconds(3);

    public NodeConfig {
        if (nodeId < 1) {
            throw new IllegalArgumentException("node id: must be >= 1, got " + nodeId);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: must be 1-65535, got " + port);
        }
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(stateDir, "stateDir");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: must be >= 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor: must be >= 1, got " + replicationFactor);
        }
        if (ackTimeout == null || ackTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("ack timeout: must be >= 1 ms, got " + ackTimeout);
        }
        if (dedupeWindow == null || dedupeWindow.isNegative()) {
            throw new IllegalArgumentException("dedupe window: must be >= 0, got " + dedupeWindow);
        }
        if (maxValueBytes < 1) {
            throw new IllegalArgumentException("max value bytes: must be >= 1, got " + maxValueBytes);
        }
        if (roles == null || roles.isEmpty()) {
            throw new IllegalArgumentException("roles: at least one of writer, materializer, query");
        }
        if (roles.contains(Role.QUERY) && !roles.contains(Role.MATERIALIZER)) {
            throw new IllegalArgumentException("roles: query needs materializer on the same node (reads are served"
                    + " from this node's copy), got " + roles);
        }
        roles = Set.copyOf(EnumSet.copyOf(roles));
        if (nodeTimeout == null || nodeTimeout.toMillis() < 1500) {
            throw new IllegalArgumentException("node timeout: must be >= 1500 ms (heartbeats are 1 s apart), got "
                    + nodeTimeout);
        }
        if (watchBufferBytes < 1024) {
            throw new IllegalArgumentException("watch buffer bytes: must be >= 1024, got " + watchBufferBytes);
        }
        kafkaClient = Map.copyOf(kafkaClient == null ? Map.of() : kafkaClient);
        Objects.requireNonNull(httpLimits, "httpLimits");
        security = security == null ? NodeSecurity.NONE : security;
    }

    /** {@code node-ID}, as replies name this node. */
    public String name() {
        return "node-" + nodeId;
    }

    /** {@code host:port}, this node's address for other nodes. */
    public String address() {
        return host + ":" + port;
    }

    public String url() {
        return security.scheme() + "://" + address();
    }

    public boolean runs(Role role) {
        return roles.contains(role);
    }
}
