package io.kvlog.writer.internal;

import io.kvlog.protocol.KvEvents;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The node's one idempotent producer to {@code kv.events}, shared by every request so concurrent
 * writes are batched together.
 *
 * <p>{@code send()} may block (metadata not known yet, buffer full), so it runs on one dedicated
 * thread, never on an event loop. The producer keeps retrying an append past the request's
 * deadline: the writer then answers {@code OperationFailed} (outcome unknown), and a retry with
 * the same id is deduplicated when applied.
 */
public final class EventLog implements AutoCloseable {

    // created in the constructor, closed in close()
    private final KafkaProducer<String, byte[]> producer;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kv-event-log-send");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param maxValueBytes the largest value the writer accepts: the producer must take the
     *                      largest event such a value makes (see {@link #maxEventBytes})
     */
    public EventLog(String bootstrapServers, Duration ackTimeout, int maxValueBytes,
                    java.util.Map<String, Object> kafkaClient) {
        Properties p = new Properties();
        // a secured cluster's settings first: what kvlog sets below is not theirs to change
        p.putAll(kafkaClient);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // acks=all, idempotence, at most 5 in flight: what DESIGN.md requires of every producer to the log
        p.putAll(KvEvents.REQUIRED_PRODUCER_CONFIG);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(ackTimeout.toMillis()));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "kvlog-writer");
        // the default (1 MiB) is below the event of a valid 1 MiB value: the producer refused it
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxEventBytes(maxValueBytes)));
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** The producer itself, for its client metrics; sending goes through {@link #append} only. */
    public org.apache.kafka.clients.producer.Producer<String, byte[]> producer() {
        return producer;
    }

    /** The largest record a valid write can make: see {@link Topics#maxEventBytes}. */
    public static int maxEventBytes(int maxValueBytes) {
        return Topics.maxEventBytes(maxValueBytes);
    }

    /** Appends one event keyed by {@code key}; completes with where the log put it, once acks=all confirmed it. */
    public CompletableFuture<RecordMetadata> append(String key, byte[] event) {
        CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
        try {
            sender.execute(() -> {
                try {
                    producer.send(new ProducerRecord<>(Topics.EVENTS, key, event), (metadata, error) -> {
                        if (error != null) {
                            result.completeExceptionally(error);
                        } else {
                            result.complete(metadata);
                        }
                    });
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("the event log is closed", e));
        }
        return result;
    }

    /** Flushes what is buffered (bounded by {@code timeout}) and closes the producer. */
    public void close(Duration timeout) {
        sender.shutdown();
        try {
            sender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
