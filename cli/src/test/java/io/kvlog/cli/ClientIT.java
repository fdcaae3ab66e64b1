package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.client.BadRequestException;
import io.kvlog.client.Consistency;
import io.kvlog.client.GetResult;
import io.kvlog.client.HistoryPage;
import io.kvlog.client.KvClient;
import io.kvlog.client.NoNodeAnsweredException;
import io.kvlog.client.OperationFailedException;
import io.kvlog.client.OperationAck;
import io.kvlog.client.ReadOptions;
import io.kvlog.client.WatchEvent;
import io.kvlog.client.WatchRequest;
import io.kvlog.client.WriteOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The Java client against a real cluster (1 broker, 2 nodes, 3 partitions): it finds the nodes
 * from one URL, reads its own writes on whichever node serves the read, watches, and when a node
 * is killed under load goes on on the other with every write taking effect exactly once.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientIT {

    private static ClusterFixture cluster;

    @BeforeAll
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    static void up() throws IOException {
        cluster = ClusterFixture.up("kv-client", "--brokers", "1", "--nodes", "2", "--partitions", "3");
    }

    @AfterAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void down() {
        if (cluster != null) {
            cluster.down();
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void fromOneUrlTheClientUsesEveryNodeReadsItsWritesAndWatches() throws Exception {
        List<WatchEvent.Change> changes = new CopyOnWriteArrayList<>();
        try (KvClient client = KvClient.connect(cluster.url(1))) {
            // Given a watch of the keys under own/, opened first
            var watch = client.watch(WatchRequest.prefix("own/").progress(Duration.ofMillis(500)), event -> {
                if (event instanceof WatchEvent.Change change) {
                    changes.add(change);
                }
            });
            ClusterFixture.awaitTrue("the watch to be open", Duration.ofSeconds(20), () -> watch.position() != null);

            // When the program writes 40 keys and reads each at once (session reads, spread over the nodes)
            for (int i = 0; i < 40; i++) {
                OperationAck ack = client.put("own/" + i, "v" + i);
                GetResult read = client.get("own/" + i);
                // Then every read sees its write, whichever node served it
                assertEquals(Optional.of("v" + i), read.value(), "own/" + i);
                assertEquals(ack.version(), read.version());
            }

            // And the client found both nodes from the one URL it was given
            assertEquals(Set.of(cluster.url(1), cluster.url(2)), Set.copyOf(client.nodes()));
            // And the session (a position of every partition) made the scan below wait for each; a position naming a
            // partition the topic lacks is refused, with nothing read
            BadRequestException beyond = assertThrows(BadRequestException.class,
                    () -> client.get("own/1", ReadOptions.at(Consistency.SESSION).after("99:0")));
            assertTrue(beyond.getMessage().contains("names partition 99"), beyond.getMessage());
            // And the scan and the history agree
            List<String> keys = new ArrayList<>();
            client.scan("own/", 7, null).forEach(e -> keys.add(e.key()));
            assertEquals(40, keys.size(), keys.toString());
            HistoryPage history = client.history("own/3", 0, 0);
            assertEquals(List.of(Optional.of("v3")), history.items().stream().map(v -> v.value()).toList());
            // And the watch saw a change of each of the 40 keys
            ClusterFixture.awaitTrue("40 changes watched", Duration.ofSeconds(20), () -> changes.size() >= 40);
            assertEquals(40, changes.stream().map(WatchEvent.Change::key).distinct().count());
            watch.close();
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aNodeKilledUnderLoadCostsNoWriteAndDoublesNone() throws Exception {
        List<String> notices = new CopyOnWriteArrayList<>();
        Map<String, OperationAck> acked = new ConcurrentHashMap<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (KvClient client = KvClient.builder(cluster.url(1), cluster.url(2)).notice(notices::add)
                .requestTimeout(Duration.ofSeconds(5)).build()) {
            // Given two writers putting new keys, each with its own id, spread over both nodes
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int writer = w;
                Thread t = new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String key = "fo/" + writer + "/" + i;
                        // as the contract says: an outcome unknown (504, or no node answered) is resent with its id
                        for (int attempt = 1; ; attempt++) {
                            try {
                                acked.put(key, client.put(key, "v", WriteOptions.withId("id-" + writer + "-" + i)));
                                break;
                            } catch (OperationFailedException | NoNodeAnsweredException e) {
                                if (attempt == 5) {
                                    failures.add(e);
                                    break;
                                }
                            } catch (RuntimeException e) {
                                failures.add(e);
                                break;
                            }
                        }
                    }
                });
                t.start();
                writers.add(t);
            }
            // When node 1 is killed while they write
            Thread.sleep(1500);
            KvRun kill = cluster.kv("node", "kill", "1");
            assertEquals(ExitCode.OK, kill.exitCode(), kill.toString());
            Thread.sleep(3000);
            stop.set(true);
            for (Thread t : writers) {
                t.join(60_000);
                assertFalse(t.isAlive(), "a writer did not stop");
            }

            // Then no write failed: the client went on with node 2, with the same ids
            assertEquals(List.of(), failures);
            assertFalse(notices.isEmpty(), "no failover happened");
            assertTrue(notices.stream().anyMatch(n -> n.contains(cluster.url(1))), notices.toString());
            assertTrue(acked.size() > 20, "only " + acked.size() + " writes");
            // And each key has exactly one version, the acked one: no write took effect twice
            for (Map.Entry<String, OperationAck> e : acked.entrySet()) {
                HistoryPage history = client.history(e.getKey(), 0, 0);
                assertEquals(1, history.items().size(), e.getKey() + ": " + history);
                assertEquals(e.getValue().version(), history.items().get(0).version(), e.getKey());
                assertEquals(e.getValue().id(), history.items().get(0).id());
            }
        }
    }
}
