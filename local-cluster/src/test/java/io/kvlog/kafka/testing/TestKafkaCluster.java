package io.kvlog.kafka.testing;

import io.kvlog.kafka.EventTopic;
import io.kvlog.kafka.LocalKafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * A real local Kafka cluster for integration tests: broker processes on free ports in a
 * temporary directory, stopped and deleted on {@link #close()}.
 *
 * <p>Use {@link SharedKafkaCluster#get()} to share one cluster between the tests of a JVM; start
 * a private one when a test kills brokers.
 */
public final class TestKafkaCluster implements AutoCloseable {

    private final LocalKafkaCluster cluster;
    private final Path dir;

    private TestKafkaCluster(LocalKafkaCluster cluster, Path dir) {
        this.cluster = cluster;
        this.dir = dir;
    }

    /** Starts {@code brokers} brokers and waits until they are ready. */
    public static TestKafkaCluster start(int brokers) {
        Path dir;
        try {
            Path base = Path.of("target");
            Files.createDirectories(base);
            dir = Files.createTempDirectory(base.toAbsolutePath(), "kafka-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalKafkaCluster cluster = LocalKafkaCluster.create(
                LocalKafkaCluster.Spec.defaults(dir).withBrokers(brokers), TestKafkaCluster::log);
        TestKafkaCluster test = new TestKafkaCluster(cluster, dir);
        try {
            cluster.startAll(Duration.ofSeconds(90), TestKafkaCluster::log);
        } catch (RuntimeException e) {
            test.close();
            throw e;
        }
        return test;
    }

    public LocalKafkaCluster cluster() {
        return cluster;
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates {@code kv.events} with {@code partitions} partitions (or verifies it). */
    public void createEventsTopic(int partitions) {
        try (Admin admin = cluster.admin()) {
            EventTopic.ensure(admin, EventTopic.Expected.forCluster(partitions, cluster.state().brokers().size()));
        }
    }

    /** Stops every broker and deletes the cluster's directory. */
    @Override
    public void close() {
        cluster.stopAll();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    private static void log(String line) {
        System.out.println("[test-cluster] " + line);
    }
}
