package io.kvlog.writer.bench;

import static io.kvlog.writer.testing.KvClient.params;

import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.writer.testing.KvClient;
import io.kvlog.writer.testing.KvNodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Measures the write path over real HTTP, not a test: single-client latency (p50/p99) of
 * {@code PUT} with {@code wait=log} and {@code wait=applied}, and the throughput of 64
 * concurrent clients, against 1 and 3 in-process nodes on a private 3-broker cluster.
 *
 * <p>Run from {@code writer-service} with the test classpath, e.g.
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) io.kvlog.writer.bench.WriteLatencyBench
 * [sequential=1000] [seconds=20] [nodes=1,3] [waits=log,applied]}.
 * The figures depend on the machine and on what else runs on it; print them, do not assert them.
 */
public final class WriteLatencyBench {

    private static final int PARTITIONS = 12;

    public static void main(String[] args) throws Exception {
        int sequential = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int[] nodeCounts = java.util.Arrays.stream((args.length > 2 ? args[2] : "1,3").split(","))
                .mapToInt(Integer::parseInt).toArray();
        String[] waits = (args.length > 3 ? args[3] : "log,applied").split(",");
        System.out.printf("cores %d, %d sequential writes per level, %d s per throughput run%n",
                Runtime.getRuntime().availableProcessors(), sequential, seconds);
        try (TestKafkaCluster kafka = TestKafkaCluster.start(3)) {
            kafka.createEventsTopic(PARTITIONS);
            for (int nodeCount : nodeCounts) {
                try (KvNodes nodes = KvNodes.start(kafka.bootstrapServers(), PARTITIONS, nodeCount,
                        "bench-" + nodeCount, c -> c, Duration.ofSeconds(120))) {
                    KvClient client = new KvClient(Duration.ofSeconds(10));
                    String url = nodes.node(0).url();
                    // warm-up: producer ids, JIT, connections
                    latency(client, url, "log", 300, "warm-" + nodeCount);
                    latency(client, url, "applied", 300, "warm-" + nodeCount);
                    for (String wait : waits) {
                        Histogram h = latency(client, url, wait, sequential, "lat-" + nodeCount);
                        System.out.printf(Locale.ROOT, "%d node(s), 1 client, wait=%-7s p50 %6.2f ms  p99 %6.2f ms"
                                        + "  max %7.2f ms  (%d writes)%n", nodeCount, wait,
                                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                                h.getMaxValue() / 1000.0, h.getTotalCount());
                    }
                    for (String wait : waits) {
                        throughput(nodes, wait, 64, seconds, "tp-" + nodeCount);
                    }
                }
            }
        }
    }

    /** {@code count} sequential PUTs to distinct keys; microseconds per acked write. */
    private static Histogram latency(KvClient client, String url, String wait, int count, String prefix) {
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        int failed = 0;
        for (int i = 0; i < count; i++) {
            KvClient.Reply reply = client.put(url, prefix + "-" + wait + "-" + i, "value-" + i,
                    params("wait", wait));
            if (reply.status() == 200) {
                histogram.recordValue(Math.min(reply.elapsed().toNanos() / 1000, histogram.getHighestTrackableValue()));
            } else {
                failed++;
            }
        }
        if (failed > 0) {
            System.out.printf("  (%d of %d wait=%s writes not acked)%n", failed, count, wait);
        }
        return histogram;
    }

    /** {@code clients} threads writing in turn to the nodes for {@code seconds}; prints acks per second. */
    private static void throughput(KvNodes nodes, String wait, int clients, int seconds, String prefix)
            throws Exception {
        KvClient client = new KvClient(Duration.ofSeconds(10));
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> running = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int clientNo = c;
            running.add(pool.submit(() -> {
                String url = nodes.node(clientNo % nodes.nodes().size()).url();
                for (int i = 0; System.nanoTime() < end; i++) {
                    KvClient.Reply reply = client.put(url, prefix + "-" + wait + "-" + clientNo + "-" + i, "v" + i,
                            params("wait", wait));
                    switch (reply.status()) {
                        case 200 -> {
                            acked.incrementAndGet();
                            synchronized (histogram) {
                                histogram.recordValue(Math.min(reply.elapsed().toNanos() / 1000,
                                        histogram.getHighestTrackableValue()));
                            }
                        }
                        case 503 -> refused.incrementAndGet();
                        default -> failed.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> f : running) {
            f.get();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        System.out.printf(Locale.ROOT, "%d node(s), %d clients, wait=%-7s %7.0f acks/s  p50 %6.2f ms  p99 %7.2f ms"
                        + "  (%d acked, %d failed, %d refused in %.1f s)%n", nodes.nodes().size(), clients, wait,
                acked.get() / elapsed, histogram.getValueAtPercentile(50) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0, acked.get(), failed.get(), refused.get(), elapsed);
    }

    private WriteLatencyBench() {
    }
}
