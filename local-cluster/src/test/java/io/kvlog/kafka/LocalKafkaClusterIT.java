package io.kvlog.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real broker processes: acknowledged records survive broker SIGKILLs and restarts. */
@Tag("integration")
class LocalKafkaClusterIT {

    private static final int PARTITIONS = 6;

    /** An acknowledged record: where the log put it and what it holds. */
    private record Acked(int partition, long offset, String value) {
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void acknowledgedRecordsSurviveBrokerKillsAndRestarts() throws Exception {
        try (TestKafkaCluster test = TestKafkaCluster.start(3)) {
            LocalKafkaCluster cluster = test.cluster();
            test.createEventsTopic(PARTITIONS);
            List<Acked> acked = new ArrayList<>();

            try (KafkaProducer<String, String> producer = producer(test.bootstrapServers(), 30_000)) {
                // Given a healthy cluster taking writes
                produce(producer, 0, 200, acked);

                // When one broker is SIGKILLed, writes keep succeeding
                assertTrue(cluster.killBroker(1));
                CompletableFuture<Long> failover = leadersMovedFrom(cluster, 1);
                assertFalse(cluster.isRunning(1), "broker 1 still alive after SIGKILL");
                produce(producer, 200, 400, acked);
                assertEquals(400, acked.size());
                // and its partitions got new leaders once it was fenced (BrokerConfig.SESSION_TIMEOUT)
                System.out.println("partitions led by broker 1 had new leaders " + failover.get(60, TimeUnit.SECONDS)
                        + " ms after its SIGKILL");
            }

            // When a second broker is SIGKILLed, a write fails within a bounded time
            KafkaProducer<String, String> minority = producer(test.bootstrapServers(), 5_000);
            try {
                // a writer's producer is long-lived: it has its producer id before the failure
                produce(minority, 400, 401, acked);
                assertTrue(cluster.killBroker(2));
                long start = System.nanoTime();
                Future<RecordMetadata> send = minority.send(new ProducerRecord<>(Topics.EVENTS, "k-minority", "lost?"));
                try {
                    RecordMetadata metadata = send.get(30, TimeUnit.SECONDS);
                    fail("a write with only one of three brokers alive was acknowledged at " + metadata);
                } catch (ExecutionException e) {
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    Throwable cause = e.getCause();
                    System.out.println("write with 2 of 3 brokers down failed after " + millis + " ms: " + cause);
                    assertTrue(cause instanceof NotEnoughReplicasException
                                    || cause instanceof NotEnoughReplicasAfterAppendException
                                    || cause instanceof TimeoutException,
                            "unexpected failure " + cause);
                    assertTrue(millis < 10_000, "failure took " + millis + " ms");
                }
            } finally {
                // close() without a bound waits for the lost cluster forever
                minority.close(Duration.ofSeconds(5));
            }

            // When both brokers are restarted with their data, they rejoin and writes succeed again
            cluster.startBroker(1, Duration.ofSeconds(60), System.out::println);
            cluster.startBroker(2, Duration.ofSeconds(60), System.out::println);
            try (KafkaProducer<String, String> producer = producer(test.bootstrapServers(), 60_000)) {
                produce(producer, 401, 600, acked);
            }

            // Then every acknowledged record is in the log, at its offset, in order per partition
            Map<TopicPartition, List<ConsumerRecord<String, String>>> log = readAll(test.bootstrapServers());
            Map<Integer, Long> lastOffset = new HashMap<>();
            for (Acked a : acked) {
                List<ConsumerRecord<String, String>> records = log.get(new TopicPartition(Topics.EVENTS, a.partition()));
                ConsumerRecord<String, String> found = records.stream()
                        .filter(r -> r.offset() == a.offset()).findFirst()
                        .orElseThrow(() -> new AssertionError("acknowledged record lost: " + a));
                assertEquals(a.value(), found.value(), "record at " + a.partition() + "@" + a.offset());
                long previous = lastOffset.getOrDefault(a.partition(), -1L);
                assertTrue(a.offset() > previous, "acks out of order in partition " + a.partition());
                lastOffset.put(a.partition(), a.offset());
            }
            assertEquals(600, acked.size());
        }
    }

    /**
     * Milliseconds from now until no partition of {@code kv.events} is led by broker {@code id}, as
     * the cluster's metadata tells; fails after 60 s.
     */
    private static CompletableFuture<Long> leadersMovedFrom(LocalKafkaCluster cluster, int id) {
        long start = System.nanoTime();
        return CompletableFuture.supplyAsync(() -> {
            try (Admin admin = cluster.admin()) {
                while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
                    try {
                        TopicDescription events = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames()
                                .get(5, TimeUnit.SECONDS).get(Topics.EVENTS);
                        if (events.partitions().stream().noneMatch(p -> p.leader() != null && p.leader().id() == id)) {
                            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        }
                    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                        // no answer while leaders move: ask again
                    }
                    Thread.sleep(100);
                }
                throw new AssertionError("partitions still led by broker " + id + " 60 s after its SIGKILL");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while watching leaders", e);
            }
        });
    }

    private static void produce(KafkaProducer<String, String> producer, int from, int to, List<Acked> acked)
            throws Exception {
        for (int i = from; i < to; i++) {
            String value = "v-" + i;
            RecordMetadata m = producer.send(new ProducerRecord<>(Topics.EVENTS, "k-" + (i % 50), value))
                    .get(60, TimeUnit.SECONDS);
            acked.add(new Acked(m.partition(), m.offset(), value));
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrap, int deliveryTimeoutMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(Math.min(deliveryTimeoutMs, 30_000)));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(deliveryTimeoutMs));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(deliveryTimeoutMs));
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static Map<TopicPartition, List<ConsumerRecord<String, String>>> readAll(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Map<TopicPartition, List<ConsumerRecord<String, String>>> log = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < PARTITIONS; i++) {
                partitions.add(new TopicPartition(Topics.EVENTS, i));
                log.put(partitions.get(i), new ArrayList<>());
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("could not read the log to its end within 60 s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    log.get(new TopicPartition(r.topic(), r.partition())).add(r);
                }
            }
        }
        return log;
    }
}
