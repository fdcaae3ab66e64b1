package io.kvlog.query.internal;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.query.QueryConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The query service's own cost per get, without brokers or Streams: the read API over real
 * HTTP on in-memory copies ({@link FakeCopies}), high watermarks answered from another thread
 * as the admin client does. Prints reads per second, CPU time and thread context switches per
 * read of this JVM (client included) for each consistency level. A measuring tool, not a test;
 * compare builds back to back, the machine is shared.
 *
 * <p>Run from the top after {@code mvn -B -q -pl query-service -am test-compile
 * dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test}:
 * {@code java -cp "query-service/target/test-classes:query-service/target/classes:$(cat query-service/target/cp.txt)"
 * io.kvlog.query.internal.ReadPathBench [connections=16] [seconds=10] [levels=eventual,linearizable]}
 */
public final class ReadPathBench {

    private static final int PARTITIONS = 12;
    private static final int KEYS = 10_000;

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String[] levels = (args.length > 2 ? args[2] : "eventual,linearizable").split(",");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String base = "http://127.0.0.1:" + port;
        HostInfo self = new HostInfo("127.0.0.1", port);
        FakeCopies copies = new FakeCopies(PARTITIONS, self);
        for (int i = 0; i < KEYS; i++) {
            copies.put("k" + i, "v".repeat(100));
        }
        Vertx vertx = Vertx.vertx();
        ExecutorService admin = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-admin-client"));
        ReadIndex.HighWatermarkSource highWatermarks = partitions -> CompletableFuture.supplyAsync(() -> {
            Map<Integer, Long> hws = new HashMap<>();
            partitions.forEach(p -> hws.put(p, copies.highWatermark(p)));
            return hws;
        }, admin);
        NodeIdentity node = new NodeIdentity("node-1", base);
        ReadApi api = new ReadApi(vertx, copies, highWatermarks, PartitionCount.fixed(PARTITIONS), null,
                new QueryConfig("unused:9092", Duration.ofSeconds(1), 50), node, self);
        Router router = Router.router(vertx);
        Replies.install(router, node);
        api.mount(router);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1").await();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(connections));
        try {
            for (String level : levels) {
                run(client, port, level, connections, 3); // warm-up
                run(client, port, level, connections, seconds);
            }
        } finally {
            client.close().await();
            server.close().await();
            api.close();
            vertx.close().await();
            admin.shutdown();
        }
    }

    private static void run(HttpClient client, int port, String level, int connections, int seconds)
            throws Exception {
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(connections);
        long cpuBefore = processCpuNanos();
        long switchesBefore = contextSwitches();
        long start = System.nanoTime();
        for (int c = 0; c < connections; c++) {
            next(client, port, level, end, ok, failed, done);
        }
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = processCpuNanos() - cpuBefore;
        long switches = contextSwitches() - switchesBefore;
        System.out.printf(Locale.ROOT, "%-12s %d connections: %7.0f reads/s  CPU %6.1f us/read  %5.2f context switches/read"
                        + "  (%d ok, %d failed in %.1f s)%n", level, connections, ok.get() / elapsed,
                cpu / 1000.0 / Math.max(1, ok.get()), switches / (double) Math.max(1, ok.get()), ok.get(),
                failed.get(), elapsed);
    }

    private static void next(HttpClient client, int port, String level, long end, AtomicLong ok, AtomicLong failed,
                             CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        String uri = "/v1/kv/k" + ThreadLocalRandom.current().nextInt(KEYS) + "?consistency=" + level;
        client.request(HttpMethod.GET, port, "127.0.0.1", uri)
                .compose(request -> request.send())
                .compose(response -> response.body().map(body -> response.statusCode()))
                .onComplete(answer -> {
                    if (answer.succeeded() && answer.result() == 200) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    next(client, port, level, end, ok, failed, done);
                });
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Voluntary and involuntary context switches of this JVM's live threads (Linux /proc). */
    private static long contextSwitches() throws IOException {
        long total = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended between the listing and the read: its switches are gone either way
                }
            }
        }
        return total;
    }

    private ReadPathBench() {
    }
}
