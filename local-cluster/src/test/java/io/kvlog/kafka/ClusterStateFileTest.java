package io.kvlog.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStateFileTest {

    @TempDir
    Path dir;

    @Test
    void emptyWhenNoClusterWasCreated() {
        assertTrue(new ClusterStateFile(dir).read().isEmpty());
    }

    @Test
    void roundTripsTheState() {
        // Given a state with two brokers
        ClusterState state = new ClusterState("abc", 12, List.of(
                new BrokerState(1, 9001, 9101, "brokers/broker-1", 4242),
                new BrokerState(2, 9002, 9102, "brokers/broker-2", 0)));

        // When it is written and read back
        ClusterStateFile file = new ClusterStateFile(dir);
        file.write(state);

        // Then it is the same, and no temporary file is left behind
        assertEquals(state, file.read().orElseThrow());
        assertFalse(Files.exists(dir.resolve("cluster.json.tmp")));
    }

    @Test
    void aSecuredClusterStaysSecuredAndAnOlderFileReadsAsUnsecured() throws Exception {
        // Given a secured cluster's state, written and read back, and a file written before security existed
        ClusterState secured = new ClusterState("abc", 3, List.of(new BrokerState(1, 9001, 9101, "b1", 1)), List.of(), true);
        ClusterStateFile file = new ClusterStateFile(dir);
        file.write(secured);
        Path older = Files.createDirectories(dir.resolve("older"));
        Files.writeString(older.resolve("cluster.json"), "{\"clusterId\":\"x\",\"partitions\":4,\"brokers\":[]}");

        // Then the first is secured, also after a node is recorded, and the older one is not
        assertTrue(file.read().orElseThrow().kafkaSasl());
        assertTrue(secured.with(new NodeState(1, 8080, "n1", 0)).kafkaSasl());
        assertFalse(new ClusterStateFile(older).read().orElseThrow().kafkaSasl());
    }

    @Test
    void replacingOneBrokerKeepsTheOthers() {
        ClusterState state = new ClusterState("abc", 3, List.of(
                new BrokerState(1, 9001, 9101, "b1", 1), new BrokerState(2, 9002, 9102, "b2", 2)));

        ClusterState updated = state.with(state.broker(2).orElseThrow().withPid(99));

        assertEquals(99, updated.broker(2).orElseThrow().pid());
        assertEquals(1, updated.broker(1).orElseThrow().pid());
        assertTrue(updated.broker(3).isEmpty());
    }

    @Test
    void toleratesFieldsAddedByNewerVersions() throws Exception {
        Files.writeString(dir.resolve("cluster.json"),
                "{\"clusterId\":\"x\",\"partitions\":4,\"brokers\":[],\"nodes\":[{\"id\":1}]}");

        ClusterState state = new ClusterStateFile(dir).read().orElseThrow();

        assertEquals("x", state.clusterId());
        assertEquals(4, state.partitions());
    }

    @Test
    void corruptFileIsReportedWithItsPath() throws Exception {
        Files.writeString(dir.resolve("cluster.json"), "{not json");

        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new ClusterStateFile(dir).read());

        assertTrue(e.getMessage().contains(dir.resolve("cluster.json").toString()), e.getMessage());
    }
}
