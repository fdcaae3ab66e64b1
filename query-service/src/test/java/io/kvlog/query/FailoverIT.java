package io.kvlog.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvlog.kafka.testing.SharedKafkaCluster;
import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The node holding a partition's active copy crashes: reads of its keys on the other nodes.
 * Eventual reads keep being served by their standbys; linearizable reads answer 503, never the
 * value from before a write acked after the crash, until a new active copy has caught up.
 */
@Tag("integration")
@Timeout(value = 240)
class FailoverIT {

    private static final int PARTITIONS = ReadPathIT.PARTITIONS;

    private TestNodes nodes;
    private EventWriter writer;

    @AfterEach
    void stop() {
        if (writer != null) {
            writer.close();
        }
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void eventualReadsKeepWorkingAndLinearizableReadsAreNeverStaleWhileTheActiveCopyMoves() throws Exception {
        // Given three nodes and keys of partition 0, written and applied everywhere
        TestKafkaCluster kafka = SharedKafkaCluster.get();
        kafka.createEventsTopic(PARTITIONS);
        String run = Long.toString(System.currentTimeMillis(), 36);
        Path state = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "failover-");
        nodes = TestNodes.start(kafka.bootstrapServers(), "kvlog-failover-" + run, 3, state);
        nodes.awaitSettled(PARTITIONS, Duration.ofSeconds(60));
        writer = new EventWriter(kafka.bootstrapServers());
        HttpReads http = new HttpReads();

        int partition = 0;
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < 5; i++) {
            String key = run + ":fo-" + i;
            if (Topics.partitionOf(key, PARTITIONS) == partition) {
                keys.add(key);
            }
        }
        Token last = null;
        for (String key : keys) {
            last = writer.put(key, "before");
        }
        String stable = keys.get(0);
        String changed = keys.get(1);
        for (TestNodes.Node node : nodes.all()) {
            HttpReads.Reply reply = http.get(node.url, keys.get(keys.size() - 1), "consistency=session&after=" + last);
            assertEquals(200, reply.status(), reply.toString());
        }
        TestNodes.Node victim = nodes.activeFor(partition);
        assertNotNull(victim);
        List<TestNodes.Node> survivors = nodes.all().stream().filter(n -> n != victim).toList();

        // When that node crashes, and a write is acked after it
        long crashedAt = System.nanoTime();
        victim.crash();
        Token after = writer.put(changed, "after");
        System.out.printf("[failover] crashed %s, the active copy of partition %d; wrote %s at %s%n", victim.id,
                partition, changed, after);

        // Then, on the other nodes
        int eventualOk = 0;
        int eventualFailed = 0;
        int linearizable503 = 0;
        long firstLinearizableMillis = -1;
        String firstFailure = null;
        long giveUp = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        while (System.nanoTime() < giveUp) {
            for (TestNodes.Node node : survivors) {
                // eventual reads are served by the standby there
                HttpReads.Reply eventual = http.get(node.url, stable, "consistency=eventual");
                if (eventual.status() == 200 && "before".equals(eventual.body().getString("value"))) {
                    eventualOk++;
                } else {
                    eventualFailed++;
                    if (firstFailure == null) {
                        firstFailure = millisSince(crashedAt) + " ms: " + eventual;
                    }
                }
                // linearizable reads answer 503 or the new value, never the old one
                HttpReads.Reply linearizable = http.get(node.url, changed, "consistency=linearizable");
                if (linearizable.status() == 503) {
                    if (linearizable503++ == 0) {
                        System.out.printf("[failover] first 503 after %d ms: %s%n", millisSince(crashedAt),
                                linearizable.body().getString("message"));
                    }
                } else if (linearizable.status() == 200) {
                    assertEquals("after", linearizable.body().getString("value"),
                            "a linearizable read returned a value older than an acked write: " + linearizable);
                    if (firstLinearizableMillis < 0) {
                        firstLinearizableMillis = millisSince(crashedAt);
                        System.out.printf("[failover] first linearizable read after %d ms, from %s: %s%n",
                                firstLinearizableMillis, node.id, linearizable);
                    }
                } else {
                    fail("a linearizable read answered neither 200 nor 503: " + linearizable);
                }
            }
            if (firstLinearizableMillis >= 0 && millisSince(crashedAt) > firstLinearizableMillis + 1000) {
                break;
            }
            Thread.sleep(100);
        }

        System.out.printf("[failover] linearizable reads served again %d ms after the crash (%d answered 503 before);"
                        + " eventual reads: %d served by standbys, %d not%s%n", firstLinearizableMillis, linearizable503,
                eventualOk, eventualFailed, firstFailure == null ? "" : " (first: " + firstFailure + ")");
        assertTrue(firstLinearizableMillis >= 0, "linearizable reads never recovered");
        assertTrue(linearizable503 > 0, "no 503 while no active copy was caught up (failover faster than a read?)");
        assertTrue(eventualFailed <= eventualOk / 50, "eventual reads failed " + eventualFailed + " times of "
                + (eventualOk + eventualFailed) + "; first: " + firstFailure);

        // And the new active copy serves every key of the partition linearizably from any surviving node
        for (TestNodes.Node node : survivors) {
            for (String key : keys) {
                HttpReads.Reply reply = http.get(node.url, key, "consistency=linearizable");
                assertEquals(200, reply.status(), reply.toString());
                assertEquals(key.equals(changed) ? "after" : "before", reply.body().getString("value"));
                assertTrue(survivors.stream().anyMatch(n -> n.id.equals(reply.header("X-KV-Node"))), reply.toString());
            }
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
