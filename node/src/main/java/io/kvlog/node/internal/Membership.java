package io.kvlog.node.internal;

import io.kvlog.http.Members;
import io.kvlog.protocol.Topics;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership through the compacted topic {@link Topics#NODES}: this node publishes a heartbeat
 * (id, url, roles, start time, readiness, applied positions) every second once it
 * {@link #join joins} and a tombstone when it {@link #close closes}; every node reads the whole
 * topic. A node is live while its last heartbeat (by its record timestamp: node clocks must be
 * roughly in sync, as NTP keeps them) is younger than the node timeout.
 *
 * <p>Owns a producer, a consumer and their two threads: created in the constructor, closed in
 * {@link #close()}.
 */
public final class Membership implements Members, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
    static final long HEARTBEAT_MILLIS = 1000;

    /** A member as its last heartbeat described it (age 0), read once on receipt, and the heartbeat's record time. */
    private record Heartbeat(Member member, long timestamp) {
    }

    private final String self;
    private final Duration nodeTimeout;
    private final Supplier<JsonObject> heartbeat;
    private final Map<String, Heartbeat> known = new ConcurrentHashMap<>();
    // created in the constructor, closed in close()
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread reader;
    private final ScheduledExecutorService beat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kv-membership-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closing;

    /**
     * @param heartbeat what this node says about itself, asked before each heartbeat
     * @param kafkaClient settings every Kafka client of the node takes (security of a real cluster)
     */
    public Membership(String bootstrapServers, Map<String, Object> kafkaClient, String self, Duration nodeTimeout,
                      Supplier<JsonObject> heartbeat) {
        this.self = self;
        this.nodeTimeout = nodeTimeout;
        this.heartbeat = heartbeat;
        Map<String, Object> producerConfig = new HashMap<>(kafkaClient);
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "kvlog-membership-" + self);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "1"); // liveness, not data: a lost beat is replaced in a second
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000);
        producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3000);
        producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
        Map<String, Object> consumerConfig = new HashMap<>(kafkaClient);
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "kvlog-membership-reader-" + self);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 200);
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.reader = new Thread(this::read, "kv-membership-reader");
        this.reader.setDaemon(true);
    }

    /** Starts reading the members (at once, so a node knows the others before it is ready). */
    public void start() {
        TopicPartition partition = new TopicPartition(Topics.NODES, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        reader.start();
    }

    /** Starts heartbeating: from now on this node counts as live. */
    public void join() {
        beat.scheduleAtFixedRate(this::publish, 0, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public List<Member> live() {
        long now = System.currentTimeMillis();
        List<Member> live = new ArrayList<>();
        known.forEach((id, beat) -> {
            long age = Math.max(0, now - beat.timestamp());
            if (age < nodeTimeout.toMillis()) {
                Member m = beat.member();
                live.add(new Member(m.id(), m.url(), m.roles(), m.started(), m.ready(), m.applied(), age));
            }
        });
        live.sort(Comparator.comparing(Member::id));
        return live;
    }

    private static Member member(JsonObject body) {
        Map<Integer, Long> applied = new LinkedHashMap<>();
        JsonObject positions = body.getJsonObject("applied", new JsonObject());
        positions.forEach(e -> applied.put(Integer.parseInt(e.getKey()), ((Number) e.getValue()).longValue()));
        List<String> roles = new ArrayList<>();
        body.getJsonArray("roles", new io.vertx.core.json.JsonArray()).forEach(r -> roles.add(String.valueOf(r)));
        return new Member(body.getString("id"), body.getString("url"), List.copyOf(roles),
                body.getLong("started", 0L), body.getBoolean("ready", false), java.util.Collections.unmodifiableMap(applied), 0);
    }

    private void publish() {
        try {
            byte[] value = heartbeat.get().put("id", self).encode().getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(Topics.NODES, 0, self, value), (metadata, error) -> {
                if (error != null && !closing) {
                    LOG.warn("{}: heartbeat not written: {}", self, error.toString());
                }
            });
        } catch (RuntimeException e) { // never let the schedule die
            LOG.warn("{}: heartbeat failed: {}", self, e.toString());
        }
    }

    private void read() {
        try {
            while (!closing) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() == null) {
                        continue;
                    }
                    if (record.value() == null) {
                        known.remove(record.key());
                        continue;
                    }
                    try {
                        JsonObject body = new JsonObject(new String(record.value(), StandardCharsets.UTF_8));
                        known.merge(record.key(), new Heartbeat(member(body), record.timestamp()),
                                (old, fresh) -> fresh.timestamp() >= old.timestamp() ? fresh : old);
                    } catch (RuntimeException e) {
                        LOG.warn("Skipped an unreadable heartbeat of {} at offset {}: {}", record.key(),
                                record.offset(), e.toString());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closing) {
                LOG.error("{}: membership reader stopped", self, e);
            }
        }
    }

    /** Stops heartbeating and says so (a tombstone), so others stop counting this node at once. */
    @Override
    public void close() {
        closing = true;
        beat.shutdownNow();
        try {
            producer.send(new ProducerRecord<>(Topics.NODES, 0, self, null)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("{}: leaving tombstone not written: {}", self, e.toString());
        }
        producer.close(Duration.ofSeconds(2));
        consumer.wakeup();
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(2));
    }
}
