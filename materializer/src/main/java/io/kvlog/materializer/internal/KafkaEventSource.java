package io.kvlog.materializer.internal;

import io.kvlog.materializer.EventSource;
import io.kvlog.materializer.LogRecord;
import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One partition of {@code kv.events} from offset 0, read by a plain consumer with no group
 * (nothing is committed), read_uncommitted, as the global store reads it.
 */
public final class KafkaEventSource implements EventSource {

    // created in the constructor, closed in close()
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition partition;

    /** @param kafkaClient settings added to the consumer's own (security of a secured cluster) */
    public KafkaEventSource(String bootstrapServers, Map<String, Object> kafkaClient, int partition) {
        this.partition = new TopicPartition(Topics.EVENTS, partition);
        Map<String, Object> config = new HashMap<>(kafkaClient);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "kvlog-replay-" + partition);
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.assign(Set.of(this.partition));
        consumer.seekToBeginning(Set.of(this.partition));
    }

    @Override
    public List<LogRecord> poll(Duration timeout) {
        var records = consumer.poll(timeout).records(partition);
        List<LogRecord> batch = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            batch.add(new LogRecord(r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
        }
        return batch;
    }

    @Override
    public long position() {
        return consumer.position(partition);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
