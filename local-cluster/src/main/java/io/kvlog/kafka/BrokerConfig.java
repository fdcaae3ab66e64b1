package io.kvlog.kafka;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The {@code server.properties} of one combined broker+controller of a local KRaft cluster.
 *
 * <p>Every listener binds to 127.0.0.1. The quorum is static ({@code controller.quorum.voters}),
 * so storage is formatted without extra flags and any broker can be restarted with its data.
 * Replication settings follow the cluster size: with three or more brokers internal topics get
 * replication factor 3 and min ISR 2, like {@code kv.events}. A killed broker is fenced after
 * {@link #SESSION_TIMEOUT}, so its partitions get new leaders within about 3 s, where a cluster
 * on Kafka's defaults takes about 9 s.
 *
 * @param id             node id of the broker, 1-based
 * @param port           client (PLAINTEXT) port
 * @param controllerPort controller (CONTROLLER) port
 * @param logDir         where the broker keeps its partitions and metadata log
 * @param quorum         every broker of the cluster, for {@code controller.quorum.voters}
 * @param sasl           the users of a secured cluster: SASL/PLAIN on both listeners and the
 *                       standard authorizer; null for PLAINTEXT without authorization
 */
public record BrokerConfig(int id, int port, int controllerPort, Path logDir, List<BrokerAddress> quorum,
                           KafkaSasl sasl) {

    /** How often a broker heartbeats to the controller (Kafka's default: 2 s). */
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(500);

    /** How long the controller waits for a heartbeat before it fences the broker (Kafka's default: 9 s). */
    public static final Duration SESSION_TIMEOUT = Duration.ofMillis(2000);

    /**
     * How long a controller follows a silent quorum leader before it starts an election (Kafka's
     * default: 2 s). When the killed broker was also the active controller, writes to its
     * partitions wait for this, the election, and then a whole broker session (the new controller
     * gives every broker a fresh one): measured 6.2 s with the defaults here.
     */
    public static final Duration QUORUM_FETCH_TIMEOUT = Duration.ofMillis(1000);

    /** How long a controller election waits (Kafka's default: 1 s). */
    public static final Duration QUORUM_ELECTION_TIMEOUT = Duration.ofMillis(500);

    /** Where a broker of the cluster listens. */
    public record BrokerAddress(int id, int port, int controllerPort) {
    }

    public BrokerConfig {
        if (quorum.stream().noneMatch(b -> b.id() == id)) {
            throw new IllegalArgumentException("broker " + id + " is not in the quorum " + quorum);
        }
        quorum = List.copyOf(quorum);
    }

    /** A broker of a cluster without security. */
    public BrokerConfig(int id, int port, int controllerPort, Path logDir, List<BrokerAddress> quorum) {
        this(id, port, controllerPort, logDir, quorum, null);
    }

    /** Replication factor of topics in a cluster of this size: 3, or fewer brokers if that is all there is. */
    public int replicationFactor() {
        return Math.min(3, quorum.size());
    }

    /** min.insync.replicas matching {@link #replicationFactor()}: 2 of 3, 1 of fewer. */
    public int minInSyncReplicas() {
        return Math.max(1, replicationFactor() - 1);
    }

    /** The properties in file order. */
    public Map<String, String> properties() {
        String voters = quorum.stream()
                .map(b -> b.id() + "@127.0.0.1:" + b.controllerPort())
                .collect(Collectors.joining(","));
        String rf = Integer.toString(replicationFactor());
        String minIsr = Integer.toString(minInSyncReplicas());
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(id));
        p.put("controller.quorum.voters", voters);
        // the client listener is named after its protocol; brokers talk to each other on it too
        String client = sasl == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        p.put("listeners", client + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", client + "://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", client);
        p.put("listener.security.protocol.map", client + ":" + client + ",CONTROLLER:" + client);
        if (sasl != null) {
            p.putAll(sasl.brokerProperties(client, "CONTROLLER"));
        }
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", rf);
        p.put("min.insync.replicas", minIsr);
        p.put("offsets.topic.replication.factor", rf);
        // 50 partitions by default: slow to create on a laptop for no gain at this scale
        p.put("offsets.topic.num.partitions", "12");
        p.put("transaction.state.log.replication.factor", rf);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "12");
        p.put("share.coordinator.state.topic.replication.factor", rf);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("unclean.leader.election.enable", "false");
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        // A SIGKILLed broker is fenced, leaves the ISR and loses its leaderships once the controller
        // has missed its heartbeats for the session timeout: 2.5 s here, 9 s with Kafka's defaults
        // (heartbeat 2000 ms, session 9000 ms). The cost: a live broker stalled for 2.5 s (a long GC
        // pause, a starved CPU) is fenced too and rejoins, moving leaders for nothing; safe, as
        // unclean election is off.
        p.put("broker.heartbeat.interval.ms", Long.toString(HEARTBEAT_INTERVAL.toMillis()));
        p.put("broker.session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()));
        p.put("controller.quorum.fetch.timeout.ms", Long.toString(QUORUM_FETCH_TIMEOUT.toMillis()));
        p.put("controller.quorum.election.timeout.ms", Long.toString(QUORUM_ELECTION_TIMEOUT.toMillis()));
        p.put("replica.lag.time.max.ms", "10000");
        return p;
    }

    /** The properties as the text of a {@code server.properties} file. */
    public String render() {
        StringBuilder text = new StringBuilder("# written by kvlog for broker " + id + "; regenerated on every start\n");
        properties().forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        return text.toString();
    }
}
