package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.client.GetResult;
import io.kvlog.client.KvClient;
import io.kvlog.client.OperationAck;
import io.kvlog.kafka.KafkaSasl;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.protocol.KvEvents;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A secured local cluster, made as {@code kv up --kafka-sasl} makes one (one broker, SASL/PLAIN
 * on every listener, the standard authorizer, the node user's ACLs), plus one more user,
 * {@code intruder}, who can authenticate but has no ACL. A node connecting as {@code kvnode}
 * creates its topics, writes and reads; a client without credentials, one with a wrong password
 * and the intruder can neither write to nor read {@code kv.events}, and the log did not grow from
 * their tries.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaSaslIT {

    private static final String INTRUDER = "intruder";
    private static final String INTRUDER_PASSWORD = "intruder-password";
    private static final int PARTITIONS = 3;
    /** How long a refused client may take to fail: connecting, being refused, giving up. */
    private static final int REFUSED_WITHIN_MS = 4000;

    private static Path data;
    private static LocalKafkaCluster cluster;
    private static LocalNodes nodes;
    private static Map<Integer, Long> endsAfterPut;

    @BeforeAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void up() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        data = Files.createTempDirectory(target, "kv-sasl-");
        cluster = LocalKafkaCluster.create(LocalKafkaCluster.Spec.defaults(data).withBrokers(1).withPartitions(PARTITIONS)
                .withSasl(KafkaSasl.generate().withUser(INTRUDER, INTRUDER_PASSWORD)), KafkaSaslIT::log);
        nodes = new LocalNodes(cluster);
        cluster.startAll(Duration.ofSeconds(90), KafkaSaslIT::log);
        cluster.createNodeAcls();
        int id = nodes.add(0).id();
        log("starting node " + id + " (pid " + nodes.start(id) + ")");
        nodes.awaitReady(List.of(id), Duration.ofSeconds(90), KafkaSaslIT::log);
    }

    @AfterAll
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    static void down() throws IOException {
        if (nodes != null) {
            nodes.stopAll();
        }
        if (cluster != null) {
            cluster.stopAll();
        }
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void aNodeWithTheNodeUsersCredentialsWritesAndReads() throws Exception {
        // Given the node, connected as kvnode (the only user with ACLs besides the brokers' own)
        String url = nodes.node(1).url();

        // When a key is put and read back through its HTTP API
        try (KvClient client = KvClient.connect(url)) {
            OperationAck ack = client.put("secured/key", "secured value");
            GetResult read = client.get("secured/key");

            // Then the write was appended to kv.events and the node's copy serves it
            assertTrue(ack.version() > 0, ack.toString());
            assertEquals("secured value", read.value().orElseThrow());
            assertEquals(ack.version(), read.version());
        }
        endsAfterPut = endOffsets();
        assertEquals(1, endsAfterPut.values().stream().mapToLong(Long::longValue).sum(), endsAfterPut.toString());
    }

    @Test
    @Order(2)
    void aClientWithoutCredentialsCanNeitherProduceNorRead() {
        // Given clients that speak PLAINTEXT to the SASL listener: the broker drops the connection
        Map<String, Object> anonymous = Map.of();

        // When they produce and read, Then each gives up within its bounded time
        KafkaException produce = assertThrows(KafkaException.class, () -> produce(anonymous));
        assertInstanceOf(TimeoutException.class, rootOf(produce), produce.toString());
        KafkaException read = assertThrows(KafkaException.class, () -> read(anonymous));
        assertInstanceOf(TimeoutException.class, rootOf(read), read.toString());
    }

    @Test
    @Order(3)
    void aClientWithAWrongPasswordIsRefusedAuthentication() {
        // Given the node user's name with a password that is not its own
        Map<String, Object> wrong = sasl(KafkaSasl.NODE, "not-the-password");

        // When it produces and reads, Then the broker refuses it authentication
        KafkaException produce = assertThrows(KafkaException.class, () -> produce(wrong));
        assertInstanceOf(SaslAuthenticationException.class, rootOf(produce), produce.toString());
        KafkaException read = assertThrows(KafkaException.class, () -> read(wrong));
        assertInstanceOf(SaslAuthenticationException.class, rootOf(read), read.toString());
    }

    @Test
    @Order(4)
    void aUserWithoutAclsIsNotAuthorizedToProduceOrRead() {
        // Given the intruder, who authenticates but has no ACL
        Map<String, Object> intruder = sasl(INTRUDER, INTRUDER_PASSWORD);

        // When it produces and reads, Then the broker refuses it the topic
        KafkaException produce = assertThrows(KafkaException.class, () -> produce(intruder));
        assertInstanceOf(TopicAuthorizationException.class, rootOf(produce), produce.toString());
        KafkaException read = assertThrows(KafkaException.class, () -> read(intruder));
        assertInstanceOf(TopicAuthorizationException.class, rootOf(read), read.toString());
        assertEquals(Set.of(Topics.EVENTS), ((TopicAuthorizationException) rootOf(read)).unauthorizedTopics());
    }

    @Test
    @Order(5)
    void refusedProducesAppendedNothing() throws Exception {
        // Given every refused produce above, When the end offsets are read (as the super user)
        Map<Integer, Long> ends = endOffsets();

        // Then they are where the node's one write left them
        assertEquals(endsAfterPut, ends);
    }

    /** One kvlog event sent to kv.events, waiting for its ack. */
    private static void produce(Map<String, Object> security) throws Exception {
        Map<String, Object> config = KvEvents.producerConfig(cluster.bootstrapServers());
        config.putAll(security);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, REFUSED_WITHIN_MS);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, REFUSED_WITHIN_MS / 2);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, REFUSED_WITHIN_MS);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            try {
                producer.send(KvEvents.insert("refused/key", "refused", null)).get(REFUSED_WITHIN_MS * 2L,
                        TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw (Exception) e.getCause();
            } finally {
                producer.close(Duration.ZERO);
            }
        }
    }

    /** Reads kv.events from offset 0, as a node's log reader does (assigned partitions, no group). */
    private static void read(Map<String, Object> security) {
        Map<String, Object> config = new HashMap<>(security);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, REFUSED_WITHIN_MS);
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, REFUSED_WITHIN_MS / 2);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(Topics.EVENTS, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // the start offsets first: an unreachable broker makes this time out on its own
            partitions.forEach(consumer::position);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFUSED_WITHIN_MS);
            while (System.nanoTime() < deadline) {
                if (!consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                    throw new AssertionError("read records of " + Topics.EVENTS + " with " + security.keySet());
                }
            }
            throw new AssertionError("neither a record nor an error within " + REFUSED_WITHIN_MS + " ms");
        }
    }

    private static Map<String, Object> sasl(String user, String password) {
        return Map.of(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    private static Map<Integer, Long> endOffsets() throws Exception {
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, OffsetSpec> request = IntStream.range(0, PARTITIONS).boxed()
                    .collect(Collectors.toMap(p -> new TopicPartition(Topics.EVENTS, p), p -> OffsetSpec.latest()));
            return admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
        }
    }

    /** The exception a Kafka client's wrapping (futures, KafkaException around a cause) started from. */
    private static Throwable rootOf(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static void log(String line) {
        System.out.println("[kafka-sasl-it] " + line);
    }
}
