package io.kvlog.cli.bench;

import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.materializer.Replayer;
import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The replay (rebuild) rate: every partition of kv.events re-derived from offset 0 with the
 * materializer's own {@link Replayer} (what {@code kv replay} runs), one partition after the
 * other, in this process. The rate is all events over the wall time, consumer set-up included.
 * Compare with {@link KafkaBaseline#consume} of the same topic: the rate the log can deliver.
 */
public final class ReplayScenario {

    private ReplayScenario() {
    }

    /** @param security settings every client adds to its own (a secured cluster's SASL settings) */
    public static ScenarioResult run(String bootstrapServers, Map<String, Object> security, Consumer<String> progress) {
        Map<Integer, Long> ends = endOffsets(bootstrapServers, security);
        Replayer replayer = new Replayer(MaterializerConfig.DEFAULT_DEDUPE_WINDOW, Duration.ofSeconds(15));
        long events = 0;
        long applyNanos = 0;
        long start = System.nanoTime();
        for (Map.Entry<Integer, Long> end : ends.entrySet()) {
            Replayer.Replay replay = replayer.replay(bootstrapServers, security, end.getKey(), ends.size(), end.getValue(), report -> {
                if (report.done()) {
                    progress.accept(String.format("replay: partition %d, %d events, %.0f events/s", report.partition(),
                            report.events(), report.eventsPerSecond()));
                }
            });
            events += replay.events();
            applyNanos += replay.elapsed().toNanos();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("events", events);
        details.put("seconds", seconds);
        details.put("partitions", ends.size());
        details.put("pollAndApplyEventsPerSecond", events / Math.max(1e-9, applyNanos / 1e9));
        return new ScenarioResult("replay", "events/s", events / seconds, details);
    }

    static Map<Integer, Long> endOffsets(String bootstrapServers, Map<String, Object> security) {
        Properties config = new Properties();
        config.putAll(security);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(Topics.EVENTS, Duration.ofSeconds(10))
                    .forEach(info -> partitions.add(new TopicPartition(Topics.EVENTS, info.partition())));
            Map<Integer, Long> ends = new java.util.TreeMap<>();
            consumer.endOffsets(partitions, Duration.ofSeconds(10)).forEach((tp, end) -> ends.put(tp.partition(), end));
            return ends;
        }
    }
}
