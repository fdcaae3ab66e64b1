package io.kvlog.writer.testing;

import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads {@code kv.events} directly with a plain consumer (no group), to check what the writer
 * claims against what the log holds. Read committed, like the materializer and a replay.
 */
public final class LogReader implements AutoCloseable {

    // created in the constructor, closed in close()
    private final KafkaConsumer<String, byte[]> consumer;

    public LogReader(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kvlog-test-log-reader");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** One record of the log. */
    public record LogEvent(int partition, long offset, String key, String value) {
    }

    public int partitions() {
        List<PartitionInfo> infos = consumer.partitionsFor(Topics.EVENTS, Duration.ofSeconds(10));
        return infos.size();
    }

    /** The end offset (next offset to be written) of every partition. */
    public Map<Integer, Long> endOffsets() {
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < partitions(); p++) {
            all.add(new TopicPartition(Topics.EVENTS, p));
        }
        Map<Integer, Long> ends = new TreeMap<>();
        consumer.endOffsets(all, Duration.ofSeconds(10)).forEach((tp, end) -> ends.put(tp.partition(), end));
        return ends;
    }

    /** The record at {@code offset} of {@code partition}, if there is one (waits up to {@code timeout} for it). */
    public Optional<LogEvent> at(int partition, long offset, Duration timeout) {
        List<LogEvent> one = read(partition, offset, offset + 1, timeout);
        return one.isEmpty() || one.get(0).offset() != offset ? Optional.empty() : Optional.of(one.get(0));
    }

    /** The records of {@code partition} in [{@code from}, {@code to}), as far as they arrive within {@code timeout}. */
    public List<LogEvent> read(int partition, long from, long to, Duration timeout) {
        TopicPartition tp = new TopicPartition(Topics.EVENTS, partition);
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        List<LogEvent> events = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (consumer.position(tp) < to && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                if (r.offset() < to) {
                    events.add(new LogEvent(r.partition(), r.offset(), r.key(),
                            new String(r.value(), java.nio.charset.StandardCharsets.UTF_8)));
                }
            }
        }
        return events;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
