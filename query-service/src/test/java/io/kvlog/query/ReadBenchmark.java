package io.kvlog.query;

import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.protocol.Token;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * Read latency and throughput per consistency level over real HTTP: a private 3-broker cluster,
 * 3 in-process nodes, {@code keys} keys; first one client (latency), then {@code clients}
 * concurrent clients (throughput), each reading random keys from all nodes round robin. Clients,
 * nodes and brokers share this machine. Not a test.
 *
 * <p>Run from {@code query-service/}, after {@code mvn -pl query-service -am test-compile
 * dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test} (from the top):
 * {@code java -cp "$(cat target/cp.txt):target/classes:target/test-classes" io.kvlog.query.ReadBenchmark [clients] [seconds] [keys] [levels,...]}
 */
public final class ReadBenchmark {

    private static final List<String> DEFAULT_LEVELS = List.of("eventual", "session", "linearizable");

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int keyCount = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        List<String> levels = args.length > 3 ? List.of(args[3].split(",")) : DEFAULT_LEVELS;
        int partitions = 12;
        try (TestKafkaCluster kafka = TestKafkaCluster.start(3)) {
            kafka.createEventsTopic(partitions);
            Path state = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "bench-");
            try (TestNodes nodes = TestNodes.start(kafka.bootstrapServers(), "kvlog-bench", 3, state);
                 EventWriter writer = new EventWriter(kafka.bootstrapServers())) {
                nodes.awaitSettled(partitions, Duration.ofSeconds(60));
                List<String> keys = new ArrayList<>();
                Map<Integer, Token> last = new HashMap<>();
                for (int i = 0; i < keyCount; i++) {
                    String key = "bench:" + i;
                    Token token = writer.put(key, "v".repeat(100));
                    last.merge(token.partition(), token, (a, b) -> a.offset() >= b.offset() ? a : b);
                    keys.add(key);
                }
                HttpReads http = new HttpReads();
                for (TestNodes.Node node : nodes.all()) { // every copy has every key before measuring
                    for (String key : keys) {
                        Token token = last.get(io.kvlog.protocol.Topics.partitionOf(key, partitions));
                        http.get(node.url, key, "consistency=session&after=" + token);
                    }
                }
                List<String> urls = nodes.all().stream().map(n -> n.url).toList();
                System.out.printf("%d keys of 100 bytes, %d partitions, 3 brokers, 3 nodes, %d cores%n", keyCount,
                        partitions, Runtime.getRuntime().availableProcessors());
                for (String level : levels) {
                    run(level, 1, 3, urls, keys); // warm-up
                }
                for (String level : levels) {
                    report(level, 1, run(level, 1, seconds, urls, keys), seconds);
                }
                for (String level : levels) {
                    report(level, clients, run(level, clients, seconds, urls, keys), seconds);
                }
            }
        }
        System.exit(0);
    }

    private static Histogram run(String level, int clients, int seconds, List<String> urls, List<String> keys)
            throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong failures = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        CountDownLatch done = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                HttpClient http = HttpClient.newHttpClient();
                java.util.Random random = new java.util.Random(client);
                int i = client;
                while (System.nanoTime() < end) {
                    String url = urls.get(i++ % urls.size()) + "/v1/kv/"
                            + URLEncoder.encode(keys.get(random.nextInt(keys.size())), StandardCharsets.UTF_8)
                            + "?consistency=" + level;
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                            failures.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                    recorder.recordValue((System.nanoTime() - start) / 1000);
                }
                done.countDown();
            }, "bench-client-" + c);
            thread.setDaemon(true);
            thread.start();
        }
        done.await();
        if (failures.get() > 0) {
            System.out.printf("  %s x%d: %d reads failed%n", level, clients, failures.get());
        }
        return recorder.getIntervalHistogram();
    }

    private static void report(String level, int clients, Histogram h, int seconds) {
        System.out.printf("%-13s %3d client(s): %8.0f reads/s  p50 %6.2f ms  p99 %7.2f ms  max %7.2f ms%n", level,
                clients, h.getTotalCount() / (double) seconds, h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }
}
