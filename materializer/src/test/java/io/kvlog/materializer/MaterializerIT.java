package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.kafka.testing.SharedKafkaCluster;
import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Expect;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Three materializer nodes (child JVMs, same application id, two standbys each partition) on
 * a real 3-broker cluster: every copy of every partition, active or standby, must end equal to
 * the others and to a replay of the log, after a node is SIGKILLed mid-stream and restarted,
 * and after a node's state directory is wiped and it rebuilds from the changelogs.
 */
@Tag("integration")
class MaterializerIT {

    private static final int PARTITIONS = 6;
    private static final int EVENTS = 12_000;
    private static final int KEYS = 800;
    private static final MaterializerConfig.ProcessingGuarantee GUARANTEE =
            MaterializerConfig.DEFAULT_PROCESSING_GUARANTEE;

    private static TestKafkaCluster cluster;
    private final List<MaterializerNode> nodes = new ArrayList<>();
    private final Path dir = Path.of("target", "materializer-it-" + UUID.randomUUID()).toAbsolutePath();
    private final String applicationId = "kvlog-it-" + UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, String> addresses = new HashMap<>();

    @BeforeAll
    static void cluster() {
        cluster = SharedKafkaCluster.get();
        cluster.createEventsTopic(PARTITIONS);
    }

    @AfterEach
    void stopNodes() throws IOException {
        nodes.forEach(MaterializerNode::close);
        for (MaterializerNode node : nodes) {
            deleteTree(node.stateDir); // the nodes' logs stay, beside them
        }
    }

    @Test
    void everyCopyMatchesAReplayAfterANodeIsKilledMidStreamAndAfterANodeIsRebuilt() throws Exception {
        // Given three nodes, each holding every partition (one active copy, two standbys)
        Files.createDirectories(dir);
        for (String name : List.of("node-1", "node-2", "node-3")) {
            nodes.add(startNode(name));
        }

        // When 12,000 events are written with acks=all while node-3 is SIGKILLed and later restarted
        AtomicInteger acked = new AtomicInteger();
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> produce(acked));
        awaitCount(acked, EVENTS / 3, writing);
        MaterializerNode victim = nodes.remove(2);
        Map<Integer, Boolean> victimCopies = victim.copies();
        victim.kill();
        log("killed " + victim.name + " (SIGKILL, pid " + victim.pid() + ") at " + acked.get()
                + " acked events; it held " + victimCopies + " (true = active)");
        assertTrue(victimCopies.containsValue(true), "the killed node was applying events: " + victimCopies);
        awaitCount(acked, EVENTS / 2, writing);
        log("restarting " + victim.name + " at " + acked.get() + " acked events");
        nodes.add(startNode(victim.name));
        log("restarted " + victim.name + " at " + acked.get() + " acked events");
        writing.get();

        // Then every copy of every partition, active and standby, equals a replay of the log
        Map<Integer, Long> ends = endOffsets();
        assertEquals(EVENTS, ends.values().stream().mapToLong(Long::longValue).sum());
        assertEveryCopyMatchesReplay(ends);

        // When node-2 is stopped, its state directory wiped, and started again
        MaterializerNode wiped = nodes.remove(1);
        wiped.close();
        deleteTree(wiped.stateDir);
        long restoreStart = System.nanoTime();
        nodes.add(startNode(wiped.name));
        double running = (System.nanoTime() - restoreStart) / 1e9;
        awaitPositions(ends);
        double caughtUp = (System.nanoTime() - restoreStart) / 1e9;
        log(String.format("rebuilt %s from changelogs: RUNNING after %.1f s, all %d copies caught up after %.1f s",
                wiped.name, running, PARTITIONS, caughtUp));

        // Then it holds every partition again, equal to the others and to the replay
        assertEveryCopyMatchesReplay(ends);
    }

    private MaterializerNode startNode(String name) throws IOException {
        String address = addresses.computeIfAbsent(name, n -> "localhost:" + freePort());
        return MaterializerNode.start(name, cluster.bootstrapServers(), dir.resolve(name), address, applicationId,
                2, GUARANTEE);
    }

    private void assertEveryCopyMatchesReplay(Map<Integer, Long> ends) {
        awaitPositions(ends);
        Replayer replayer = new Replayer(MaterializerConfig.DEFAULT_DEDUPE_WINDOW, Duration.ofSeconds(30));
        long entries = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            Replayer.Replay replay = replayer.replay(cluster.bootstrapServers(), p, ends.get(p), r -> { });
            Digest replayed = replay.digest();
            assertReadsMatchReplay(p, ends.get(p), replay);
            assertEquals(ends.get(p) - 1, replayed.offset());
            int actives = 0;
            for (MaterializerNode node : nodes) {
                Digest copy = node.digest(p, false);
                assertNotNull(copy, node.name + " partition " + p + ": " + node.lastMiss);
                assertEquals(replayed, copy, node.name + " copy of partition " + p);
                if (node.copies().getOrDefault(p, false)) {
                    actives++;
                    assertEquals(replayed, node.digest(p, true), node.name + " active copy of partition " + p);
                } else {
                    assertEquals(null, node.digest(p, true), node.name + " standby of " + p + " asked for the active");
                    assertTrue(node.lastMiss.contains("NOT_ACTIVE"), node.lastMiss);
                }
            }
            assertEquals(1, actives, "active copies of partition " + p);
            entries += replayed.entries();
        }
        assertTrue(entries > KEYS / 2, "the digests cover the keys written: " + entries);
        log("all " + nodes.size() * PARTITIONS + " copies equal the replay; " + entries + " keys");
    }

    /** Key and outcome reads of every copy, through IQv2, agree with the replayed state. */
    private void assertReadsMatchReplay(int partition, long end, Replayer.Replay replay) {
        List<String> keys = IntStream.range(0, KEYS).filter(n -> n % 40 == 0)
                .mapToObj(n -> "key-" + n + (n % 80 == 0 ? "-ü" : ""))
                .filter(key -> Topics.partitionOf(key, PARTITIONS) == partition)
                .toList();
        for (MaterializerNode node : nodes) {
            boolean active = node.copies().getOrDefault(partition, false);
            for (String key : keys) {
                MaterializerNode.Got got = node.get(key, partition, active, end - 1);
                assertNotNull(got, node.name + " get " + key + ": " + node.lastMiss);
                assertEquals(replay.entry(key), got.entry(), node.name + " entry of " + key);
                assertEquals(end - 1, got.position());
            }
            if (!keys.isEmpty()) {
                assertEquals(null, node.get(keys.get(0), partition, false, end), "a copy cannot be past the log end");
                assertTrue(node.lastMiss.contains("NOT_UP_TO_BOUND"), node.lastMiss);
            }
            int outcomes = 0;
            for (int i = 0; i < EVENTS; i += 97) {
                String id = "it-" + i;
                Outcome outcome = node.outcome(id, partition, active);
                assertEquals(replay.outcome(id), outcome, node.name + " outcome " + id);
                outcomes += outcome == null ? 0 : 1; // null where the id's key is in another partition
            }
            assertTrue(outcomes > 0, "some sampled ids are in partition " + partition);
        }
        assertTrue(keys.stream().anyMatch(key -> replay.entry(key) != null), "sampled keys were written");
    }

    /** Waits until every node's copy of every partition has applied up to its end offset. */
    private void awaitPositions(Map<Integer, Long> ends) {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (true) {
            List<String> behind = new ArrayList<>();
            for (MaterializerNode node : nodes) {
                for (int p = 0; p < PARTITIONS; p++) {
                    Long position = node.position(p, false);
                    if (position == null || position < ends.get(p) - 1) {
                        behind.add(node.name + "/" + p + "@" + position);
                    }
                }
            }
            if (behind.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("copies not caught up with " + ends + ": " + behind);
            }
            sleep(200);
        }
    }

    /** Inserts, appends, removes, conditional inserts and re-sent ids (a client retrying), acks=all. */
    private static void produce(AtomicInteger acked) {
        Random random = new Random(7);
        List<Event> sent = new ArrayList<>();
        List<String> sentKeys = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < EVENTS; i++) {
                String key = "key-" + random.nextInt(KEYS) + (i % 10 == 0 ? "-ü" : "");
                String id = "it-" + i;
                int pick = random.nextInt(100);
                Event event;
                if (pick < 60) {
                    event = Event.insert(id, "value-" + i);
                } else if (pick < 75) {
                    event = Event.append(id, "+" + i);
                } else if (pick < 85) {
                    event = Event.remove(id);
                } else if (pick < 95 || sent.isEmpty()) {
                    event = Event.insert(id, "if-absent-" + i).expecting(Expect.version(0));
                } else {
                    int earlier = sent.size() - 1 - random.nextInt(Math.min(sent.size(), 50));
                    event = sent.get(earlier); // the same id again: a retry, to be deduplicated
                    key = sentKeys.get(earlier);
                }
                sent.add(event);
                sentKeys.add(key);
                producer.send(new ProducerRecord<>(Topics.EVENTS, key.getBytes(StandardCharsets.UTF_8),
                        EventCodec.encode(event)), (metadata, e) -> {
                            if (e == null) {
                                acked.incrementAndGet();
                            }
                        });
                if (i % 100 == 99) {
                    producer.flush();
                    sleep(150); // a steady stream of ~20 s rather than one burst, so kill and restart land mid-stream
                }
            }
            producer.flush();
        }
        if (acked.get() != EVENTS) {
            throw new IllegalStateException("only " + acked.get() + " of " + EVENTS + " events were acked");
        }
    }

    private static Map<Integer, Long> endOffsets() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(Topics.EVENTS, p)).toList();
            return consumer.endOffsets(partitions).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
        }
    }

    private static void awaitCount(AtomicInteger count, int atLeast, CompletableFuture<Void> writing) {
        while (count.get() < atLeast) {
            if (writing.isCompletedExceptionally()) {
                writing.join();
            }
            sleep(5);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void log(String line) {
        System.out.println("[MaterializerIT] " + line);
    }
}
