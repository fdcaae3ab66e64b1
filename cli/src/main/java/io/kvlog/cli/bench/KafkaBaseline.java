package io.kvlog.cli.bench;

import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The physical limits of kvlog's own log, measured on the same cluster:
 * <ul>
 *   <li>{@link #produce}: a raw {@link KafkaProducer} (acks=all, idempotence on, in-flight 5, as
 *   the writer's) sending records the size of kvlog's Insert events for the same keys, with at
 *   most N sends outstanding (by default N = the HTTP connections: the concurrency the writes get),
 *   to a separate topic {@value #TOPIC} with kv.events' partitions, replication factor and min ISR;</li>
 *   <li>{@link #consume}: a raw {@link KafkaConsumer} reading a topic from offset 0 to its end.</li>
 * </ul>
 * The baseline topic is deleted and recreated on every produce run.
 */
public final class KafkaBaseline {

    public static final String TOPIC = "kv.bench.baseline";

    private final String bootstrapServers;
    private final Map<String, Object> security;

    /** @param security settings every client adds to its own (a secured cluster's SASL settings) */
    public KafkaBaseline(String bootstrapServers, Map<String, Object> security) {
        this.bootstrapServers = bootstrapServers;
        this.security = Map.copyOf(security);
    }

    /** Recreates the baseline topic like kv.events and produces to it for warm-up + duration. */
    public WorkloadResult produce(LoadSettings settings, int inflight, Consumer<String> progress)
            throws InterruptedException {
        recreateTopic(progress);
        Properties config = new Properties();
        config.putAll(security);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "kv-bench-baseline");
        Recording recording = new Recording();
        Semaphore outstanding = new Semaphore(inflight);
        SplittableRandom random = new SplittableRandom(3);
        String value = "v".repeat(settings.valueBytes());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            long start = System.nanoTime();
            long end = start + (settings.warmupSeconds() + settings.seconds()) * 1_000_000_000L;
            Thread sender = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        if (!outstanding.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            continue;
                        }
                        String key = LoadSettings.key(random.nextInt(settings.keys()));
                        // the same bytes the writer appends for a PUT: an Insert event with a UUID id
                        byte[] event = EventCodec.encode(Event.insert(UUID.randomUUID().toString(), value));
                        long sent = System.nanoTime();
                        producer.send(new ProducerRecord<>(TOPIC, key, event), (metadata, failure) -> {
                            outstanding.release();
                            if (failure == null) {
                                recording.success(System.nanoTime() - sent);
                            } else {
                                recording.error(Recording.kindOf(failure));
                            }
                        });
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "kv-bench-producer");
            sender.start();
            try {
                recording.clock(start, settings.warmupSeconds(), settings.seconds(), "kafka-producer write", progress);
            } finally {
                sender.join(TimeUnit.SECONDS.toMillis(35));
                producer.flush();
            }
        }
        return recording.result("kafka-producer", "write", "closed", inflight, settings.seconds());
    }

    /** Reads every record of {@code topic} from offset 0 to the end offsets taken at the start; events/s. */
    public ScenarioResult consume(String scenario, String topic, Consumer<String> progress) {
        Properties config = new Properties();
        config.putAll(security);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "kv-bench-consume");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10))
                    .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            if (partitions.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " has no partitions (does it exist?)");
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long expected = ends.values().stream().mapToLong(Long::longValue).sum();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long start = System.nanoTime();
            long records = 0;
            long bytes = 0;
            long lastReport = start;
            long idleSince = start;
            while (!reachedEnd(consumer, ends)) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                long now = System.nanoTime();
                if (batch.isEmpty()) {
                    if (now - idleSince > 15_000_000_000L) {
                        throw new IllegalStateException("reading " + topic + ": no records for 15 s at " + records
                                + " of " + expected);
                    }
                    continue;
                }
                idleSince = now;
                for (var record : batch) {
                    records++;
                    bytes += record.serializedValueSize() + Math.max(0, record.serializedKeySize());
                }
                if (now - lastReport > 1_000_000_000L) {
                    progress.accept(String.format("%s: %d / %d records", scenario, records, expected));
                    lastReport = now;
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            progress.accept(String.format("%s: %d records in %.2f s", scenario, records, seconds));
            return new ScenarioResult(scenario, "events/s", records / seconds, Map.of("topic", topic,
                    "events", records, "bytes", bytes, "seconds", seconds, "partitions", partitions.size()));
        }
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void recreateTopic(Consumer<String> progress) throws InterruptedException {
        Map<String, Object> config = new HashMap<>(security);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            TopicDescription events = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(Topics.EVENTS);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.EVENTS);
            String minIsr = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS)
                    .get(resource).get("min.insync.replicas").value();
            int partitions = events.partitions().size();
            short replicas = (short) events.partitions().get(0).replicas().size();
            try {
                admin.deleteTopics(List.of(TOPIC)).all().get(30, TimeUnit.SECONDS);
                awaitGone(admin);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            admin.createTopics(List.of(new NewTopic(TOPIC, partitions, replicas)
                    .configs(Map.of("min.insync.replicas", minIsr)))).all().get(30, TimeUnit.SECONDS);
            progress.accept(String.format("created %s: %d partitions, replication factor %d, min ISR %s", TOPIC,
                    partitions, replicas, minIsr));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot (re)create the baseline topic " + TOPIC + " like "
                    + Topics.EVENTS + ": " + e.getMessage(), e);
        }
    }

    private static void awaitGone(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        for (int i = 0; i < 100; i++) {
            if (!admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(TOPIC)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new TimeoutException(TOPIC + " still listed 10 s after its deletion");
    }
}
