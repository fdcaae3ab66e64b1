package io.kvlog.materializer.bench;

import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.materializer.MaterializerConfig.ProcessingGuarantee;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Apply throughput of one materializer on a real 3-broker cluster, at-least-once against
 * exactly-once-v2, and the time a node with a wiped state directory takes to restore. Not a
 * test: a main class, run by hand (timings do not belong in CI).
 *
 * <p>It writes {@code events} events over {@code keys} keys to {@code kv.events} once, then for each
 * run starts a fresh materializer (new application id, empty state, no standbys, changelogs
 * with replication factor 3) and times how long it takes to apply the whole log: Kafka Streams,
 * RocksDB, changelog writes and commits included.
 *
 * <p>Run from {@code materializer/}, after {@code mvn test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test}: {@code java -cp
 * "$(cat target/cp.txt):target/classes:target/test-classes" io.kvlog.materializer.bench.GuaranteeBenchmark [events] [keys] [rounds]}
 */
public final class GuaranteeBenchmark {

    private static final int PARTITIONS = 6;

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3; // the first warms the brokers' JIT up
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "guarantee-bench-");
        try (TestKafkaCluster cluster = TestKafkaCluster.start(3)) {
            cluster.createEventsTopic(PARTITIONS);
            produce(cluster.bootstrapServers(), events, keys);
            for (int run = 1; run <= rounds; run++) {
                for (ProcessingGuarantee guarantee : ProcessingGuarantee.values()) {
                    MaterializerConfig config = MaterializerConfig
                            .defaults(cluster.bootstrapServers(), dir.resolve(guarantee + "-" + run), "localhost:1")
                            .withApplicationId("bench-" + guarantee.name().toLowerCase() + "-" + run)
                            .withStandbyReplicas(0)
                            .withProcessingGuarantee(guarantee);
                    applyAll(config, events, run == rounds);
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Applies the whole log with a fresh materializer; then, if asked, wipes its state and times the restore. */
    private static void applyAll(MaterializerConfig config, int events, boolean thenRestore) throws Exception {
        try (Materializer materializer = new Materializer(config)) {
            materializer.start(Duration.ofSeconds(120));
            // time from the first applied event seen to the last: excludes joining the group
            long seen;
            while ((seen = materializer.counters().total()) == 0) {
                Thread.sleep(1);
            }
            long first = System.nanoTime();
            while (materializer.counters().total() < events) {
                Thread.sleep(2);
            }
            double seconds = (System.nanoTime() - first) / 1e9;
            long timed = events - seen;
            System.out.printf("%-16s apply: %d events in %.2f s = %.0f events/s (%s)%n",
                    config.processingGuarantee(), timed, seconds, timed / seconds, materializer.counters());
        }
        if (!thenRestore) {
            return;
        }
        try (Stream<Path> files = Files.walk(config.stateDir())) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        long start = System.nanoTime();
        try (Materializer materializer = new Materializer(config)) {
            materializer.start(Duration.ofSeconds(300));
            double seconds = (System.nanoTime() - start) / 1e9;
            long keys = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                Read<io.kvlog.materializer.Digest> digest = materializer.digest(p, true);
                keys += ((Read.Hit<io.kvlog.materializer.Digest>) digest).value().entries();
            }
            System.out.printf("%-16s restore of a wiped node: %d keys, %d partitions, RUNNING after %.2f s%n",
                    config.processingGuarantee(), keys, PARTITIONS, seconds);
        }
    }

    private static void produce(String bootstrapServers, int events, int keys) {
        List<byte[][]> records = ApplyBenchmark.workload(events, keys, new Random(42));
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[][] record : records) {
                producer.send(new ProducerRecord<>(Topics.EVENTS, record[0], record[1]));
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("produce (acks=all, idempotent, linger 5 ms): %d events in %.2f s = %.0f events/s%n",
                events, seconds, events / seconds);
    }

    private GuaranteeBenchmark() {
    }
}
