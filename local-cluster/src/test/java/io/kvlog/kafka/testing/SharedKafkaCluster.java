package io.kvlog.kafka.testing;

/**
 * One 3-broker cluster shared by all integration tests of a JVM, started on first use and
 * stopped when the JVM exits. Tests that kill brokers should start their own
 * {@link TestKafkaCluster} instead.
 */
public final class SharedKafkaCluster {

    private static TestKafkaCluster cluster;

    private SharedKafkaCluster() {
    }

    public static synchronized TestKafkaCluster get() {
        if (cluster == null) {
            cluster = TestKafkaCluster.start(3);
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "shared-kafka-cluster-stop"));
        }
        return cluster;
    }
}
