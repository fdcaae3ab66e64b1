package io.kvlog.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.kafka.BrokerConfig.BrokerAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokerConfigTest {

    private static final List<BrokerAddress> THREE = List.of(
            new BrokerAddress(1, 9001, 9101), new BrokerAddress(2, 9002, 9102), new BrokerAddress(3, 9003, 9103));

    @Test
    void rendersCombinedModeWithStaticQuorumOnLoopback() {
        // Given broker 2 of a three-broker cluster
        BrokerConfig config = new BrokerConfig(2, 9002, 9102, Path.of("/d/b2"), THREE);

        // When its properties are rendered
        Map<String, String> p = config.properties();

        // Then it is a combined broker+controller with a static quorum, all on 127.0.0.1
        assertEquals("broker,controller", p.get("process.roles"));
        assertEquals("2", p.get("node.id"));
        assertEquals("1@127.0.0.1:9101,2@127.0.0.1:9102,3@127.0.0.1:9103", p.get("controller.quorum.voters"));
        assertEquals("PLAINTEXT://127.0.0.1:9002,CONTROLLER://127.0.0.1:9102", p.get("listeners"));
        assertEquals("PLAINTEXT://127.0.0.1:9002", p.get("advertised.listeners"));
        assertEquals("false", p.get("unclean.leader.election.enable"));
        assertEquals("3", p.get("offsets.topic.replication.factor"));
        assertEquals("2", p.get("min.insync.replicas"));
        assertEquals(Path.of("/d/b2").toAbsolutePath().toString(), p.get("log.dirs"));
    }

    @Test
    void aSecuredBrokerTakesSaslPlainOnEveryListenerAndAuthorizesWithAcls() {
        // Given broker 1 of a secured three-broker cluster with one extra user
        KafkaSasl users = KafkaSasl.generate().withUser("intruder", "intruder-secret");
        BrokerConfig config = new BrokerConfig(1, 9001, 9101, Path.of("/d/b1"), THREE, users);

        // When its properties are rendered
        Map<String, String> p = config.properties();

        // Then clients, brokers and controllers all authenticate with SASL/PLAIN
        assertEquals("SASL_PLAINTEXT://127.0.0.1:9001,CONTROLLER://127.0.0.1:9101", p.get("listeners"));
        assertEquals("SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT", p.get("listener.security.protocol.map"));
        assertEquals("SASL_PLAINTEXT", p.get("inter.broker.listener.name"));
        assertEquals("PLAIN", p.get("sasl.mechanism.inter.broker.protocol"));
        assertEquals("PLAIN", p.get("sasl.mechanism.controller.protocol"));
        // And every user may log in on the client listener, only the brokers' own user on the controller's
        String client = p.get("listener.name.sasl_plaintext.plain.sasl.jaas.config");
        String controller = p.get("listener.name.controller.plain.sasl.jaas.config");
        assertTrue(client.contains("username=\"kvadmin\"") && client.contains("user_kvnode=")
                && client.contains("user_intruder=\"intruder-secret\""), client);
        assertTrue(controller.contains("user_kvadmin=") && !controller.contains("user_kvnode")
                && !controller.contains("user_intruder"), controller);
        // And nothing is allowed without an ACL but to the super user
        assertEquals("org.apache.kafka.metadata.authorizer.StandardAuthorizer", p.get("authorizer.class.name"));
        assertEquals("User:kvadmin", p.get("super.users"));
        assertEquals("false", p.get("allow.everyone.if.no.acl.found"));
    }

    @Test
    void silentBrokerIsFencedAfter2000MillisecondsAndASilentControllerReplacedWithinTwoSeconds() {
        // Given any broker of the cluster
        BrokerConfig config = new BrokerConfig(3, 9003, 9103, Path.of("/d/b3"), THREE);

        // When its properties are rendered
        Map<String, String> p = config.properties();

        // Then it heartbeats every 500 ms and the controller fences it after 2 s without one
        assertEquals("500", p.get("broker.heartbeat.interval.ms"));
        assertEquals("2000", p.get("broker.session.timeout.ms"));
        // and a silent quorum leader is given up after 1 s, an election takes 0.5 s
        assertEquals("1000", p.get("controller.quorum.fetch.timeout.ms"));
        assertEquals("500", p.get("controller.quorum.election.timeout.ms"));
        // and a session spans several heartbeats, so one late beat does not fence a live broker
        assertTrue(BrokerConfig.SESSION_TIMEOUT.compareTo(BrokerConfig.HEARTBEAT_INTERVAL.multipliedBy(4)) >= 0);
    }

    @Test
    void renderedFileHasOneLinePerProperty() {
        BrokerConfig config = new BrokerConfig(1, 9001, 9101, Path.of("/d/b1"), THREE);

        String text = config.render();

        assertTrue(text.contains("\nnode.id=1\n"), text);
        long lines = text.lines().filter(l -> !l.startsWith("#")).count();
        assertEquals(config.properties().size(), lines);
    }

    @Test
    void smallClustersReplicateToEveryBroker() {
        BrokerConfig single = new BrokerConfig(1, 9001, 9101, Path.of("/d"), List.of(new BrokerAddress(1, 9001, 9101)));

        assertEquals(1, single.replicationFactor());
        assertEquals(1, single.minInSyncReplicas());
        assertEquals("1", single.properties().get("transaction.state.log.min.isr"));
    }

    @Test
    void rejectsBrokerOutsideTheQuorum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BrokerConfig(7, 9007, 9107, Path.of("/d"), THREE));
        assertTrue(e.getMessage().contains("broker 7"), e.getMessage());
    }
}
