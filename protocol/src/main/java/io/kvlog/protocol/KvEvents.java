package io.kvlog.protocol;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes kvlog events with any Java {@code KafkaProducer}, straight to {@link Topics#EVENTS},
 * without a kvlog node in between. Every node applies such an event exactly as one its own
 * writer produced: a batch import, a change-data-capture pipeline or another service can feed
 * kvlog this way.
 *
 * <pre>{@code
 * try (Producer<byte[], byte[]> producer = new KafkaProducer<>(KvEvents.producerConfig("broker-1:9092"))) {
 *     producer.send(KvEvents.insert("user:42", "{\"name\":\"Ada\"}", "import-42")).get();
 *     producer.send(KvEvents.append("log:42", "login;", null));             // no id: never deduplicated
 *     producer.send(KvEvents.remove("user:41", "import-41", Expect.exists(true)));
 * }
 * }</pre>
 *
 * <p>Each method returns a {@code ProducerRecord<byte[], byte[]>} for {@link Topics#EVENTS}: key =
 * the UTF-8 bytes of the user key, value = the event's JSON ({@link EventCodec}), no partition
 * (the producer's default partitioner picks {@link Topics#partitionOf}, which keeps per-key
 * order and is where a node's linearizable read looks). It returns a record rather than two byte
 * arrays because protocol already depends on {@code kafka-clients} (for the partitioner's hash) and
 * because a record holds topic, key and value together: a caller cannot leave the key out (a
 * record without a key is skipped by every node) or put it in the value. A producer that is not
 * a {@code KafkaProducer<byte[], byte[]>} (Kafka Streams, Connect, another serializer) takes
 * {@code record.key()} and {@code record.value()} as they are.
 *
 * <p>Input is checked as the HTTP API checks it, and a bad one throws
 * {@link IllegalArgumentException} quoting it: keys of 1-{@value Validation#MAX_KEY_BYTES} bytes of
 * UTF-8 without control characters; values and suffixes of valid UTF-8 up to
 * {@value Validation#DEFAULT_MAX_VALUE_BYTES} bytes (the default {@code max-value-bytes}; a cluster
 * whose nodes allow more can write larger ones with {@link #record(String, Event)}, which checks
 * the key and leaves the size to the caller); ids of 1-{@value Validation#MAX_ID_CHARS} chars of
 * {@code [A-Za-z0-9._:-]}, or null.
 *
 * <p>An id makes the event at-most-once: a second event with the same id in the key's partition
 * within the dedupe window (24 h of log time) is skipped, so a producer that retries a record
 * whose send failed should send it with the same id. Ids deduplicate per partition: reuse an id
 * only for the same key. An event with a null id is applied every time it is on the log.
 *
 * <p>Limits: the outcome of an event (applied, precondition failed, a duplicate) is decided when
 * each node applies it, so {@code send()} only says the log has it; read the key from a node to see
 * its effect. Use a plain (idempotent) producer, not a transactional one (README, Known limits).
 */
public final class KvEvents {

    /**
     * What every producer to {@link Topics#EVENTS} must be set to (DESIGN.md, the log): acks from
     * all in-sync replicas, idempotence, at most 5 requests in flight (so a retry never reorders a
     * key's events).
     */
    public static final Map<String, String> REQUIRED_PRODUCER_CONFIG = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");

    private KvEvents() {
    }

    /**
     * A producer configuration for these records: {@link #REQUIRED_PRODUCER_CONFIG}, byte-array
     * serializers, and a {@code max.request.size} that takes the event of the largest valid value.
     * The map is a new, mutable one: add your cluster's client settings (security protocol, SASL,
     * TLS, client id, linger) to it, but do not change the required ones.
     */
    public static Map<String, Object> producerConfig(String bootstrapServers) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers: must be host:port[,host:port…], got "
                    + Validation.quote(bootstrapServers));
        }
        Map<String, Object> config = new HashMap<>(REQUIRED_PRODUCER_CONFIG);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // the default (1 MiB) is below the event of a valid 1 MiB value
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Integer.toString(Topics.maxEventBytes(Validation.DEFAULT_MAX_VALUE_BYTES)));
        return config;
    }

    /** Sets {@code key} to {@code value}; {@code id} may be null (never deduplicated). */
    public static ProducerRecord<byte[], byte[]> insert(String key, String value, String id) {
        return insert(key, value, id, null);
    }

    /** Sets {@code key} to {@code value} if {@code expect} holds when applied (null: no condition). */
    public static ProducerRecord<byte[], byte[]> insert(String key, String value, String id, Expect expect) {
        Validation.value(value, Validation.DEFAULT_MAX_VALUE_BYTES);
        return record(key, new Event(EventType.Insert, id, value, expect));
    }

    /** Removes {@code key} (removing an absent key is applied too, and changes nothing). */
    public static ProducerRecord<byte[], byte[]> remove(String key, String id) {
        return remove(key, id, null);
    }

    /** Removes {@code key} if {@code expect} holds when applied (null: no condition). */
    public static ProducerRecord<byte[], byte[]> remove(String key, String id, Expect expect) {
        return record(key, new Event(EventType.Remove, id, null, expect));
    }

    /**
     * Appends {@code suffix} to {@code key}'s value (an absent key starts from the empty string).
     * An append that would grow the value past {@value Validation#DEFAULT_MAX_VALUE_BYTES} bytes is
     * refused when applied.
     */
    public static ProducerRecord<byte[], byte[]> append(String key, String suffix, String id) {
        return append(key, suffix, id, null);
    }

    /** Appends {@code suffix} to {@code key}'s value if {@code expect} holds when applied (null: no condition). */
    public static ProducerRecord<byte[], byte[]> append(String key, String suffix, String id, Expect expect) {
        Validation.value(suffix, Validation.DEFAULT_MAX_VALUE_BYTES); // the event's "value" field
        return record(key, new Event(EventType.Append, id, suffix, expect));
    }

    /**
     * The record of any event for {@code key}. The event checked its own id and value when it was
     * built; here only the key is checked, not the value's size.
     */
    public static ProducerRecord<byte[], byte[]> record(String key, Event event) {
        Objects.requireNonNull(event, "event");
        byte[] recordKey = Validation.key(key).getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(Topics.EVENTS, recordKey, EventCodec.encode(event));
    }
}
