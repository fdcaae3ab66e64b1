package io.kvlog.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.protocol.KvEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Fills the log fast: events written straight to {@code kv.events} with one {@link KafkaProducer}
 * set up as {@link KvEvents} requires (no node in between), then a wait until every node has
 * applied them, as each node's {@code GET /v1/node} reports ({@code applied}: the last applied
 * offset per partition).
 */
final class DirectWrites {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DirectWrites() {
    }

    /** Sends every record and returns each one's metadata, in the order given; fails on the first failed send. */
    static RecordMetadata[] produce(String bootstrapServers, Map<String, Object> security,
                                    List<ProducerRecord<byte[], byte[]>> records, Consumer<String> progress) {
        Map<String, Object> config = KvEvents.producerConfig(bootstrapServers);
        config.putAll(security);
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 * 1024));
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "kv-bench-direct");
        RecordMetadata[] written = new RecordMetadata[records.size()];
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < records.size() && failure.get() == null; i++) {
                int index = i;
                producer.send(records.get(i), (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        written[index] = metadata;
                    }
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("writing " + records.size() + " events to the log failed: " + failure.get(),
                    failure.get());
        }
        progress.accept(String.format("wrote %d events straight to the log in %.2f s", records.size(),
                (System.nanoTime() - start) / 1e9));
        return written;
    }

    /** The last offset written per partition. */
    static Map<Integer, Long> lastOffsets(RecordMetadata[] written) {
        Map<Integer, Long> last = new TreeMap<>();
        for (RecordMetadata m : written) {
            last.merge(m.partition(), m.offset(), Math::max);
        }
        return last;
    }

    /**
     * Waits until every node has applied at least {@code last} (offset per partition), polling
     * each node's {@code /v1/node} every 100 ms; fails after {@code timeout} naming the node and
     * how far it got.
     */
    static void awaitApplied(HttpClient http, List<URI> nodes, Map<Integer, Long> last, Duration timeout,
                             Consumer<String> progress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastReport = System.nanoTime();
        for (URI node : nodes) {
            while (true) {
                Map<Integer, Long> applied = applied(http, node);
                long behind = 0;
                for (Map.Entry<Integer, Long> e : last.entrySet()) {
                    behind += Math.max(0, e.getValue() - applied.getOrDefault(e.getKey(), -1L));
                }
                if (behind == 0) {
                    break;
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    throw new IllegalStateException(node + " had not applied the events after " + timeout.toSeconds()
                            + " s: " + behind + " behind (applied " + applied + ", wanted " + last + ")");
                }
                if (now - lastReport > 2_000_000_000L) {
                    progress.accept(node + ": " + behind + " events still to apply");
                    lastReport = now;
                }
                Thread.sleep(100);
            }
        }
    }

    /** A node's applied positions (partition: last applied offset; -1: none yet); empty if it did not answer. */
    static Map<Integer, Long> applied(HttpClient http, URI node) throws InterruptedException {
        Map<Integer, Long> applied = new HashMap<>();
        try {
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(node.resolve("/v1/node"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (reply.statusCode() == 200) {
                JsonNode positions = JSON.readTree(reply.body()).path("applied");
                positions.fields().forEachRemaining(e -> applied.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
            }
        } catch (IOException e) {
            // not answering now: asked again
        }
        return applied;
    }
}
