package io.kvlog.query;

import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writes events to {@code kv.events} as the writer service does (acks=all, idempotent), for tests. */
final class EventWriter implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;

    EventWriter(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Inserts and waits for the ack; returns the write's token (partition:offset = the key's new version). */
    Token put(String key, String value) {
        return send(key, Event.insert(UUID.randomUUID().toString(), value));
    }

    Token remove(String key) {
        return send(key, Event.remove(UUID.randomUUID().toString()));
    }

    private Token send(String key, Event event) {
        try {
            RecordMetadata ack = producer.send(new ProducerRecord<>(Topics.EVENTS,
                    key.getBytes(StandardCharsets.UTF_8), EventCodec.encode(event))).get();
            return new Token(ack.partition(), ack.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("write of " + key + " failed", e.getCause());
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
