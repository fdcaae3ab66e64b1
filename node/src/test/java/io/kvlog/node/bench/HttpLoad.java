package io.kvlog.node.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A lean closed-loop HTTP load generator for profiling the hot paths against a running cluster
 * ({@code ./kv up}): {@code connections} requests in flight at once, spread round robin over the
 * node URLs, each sent as soon as the previous one on its slot is answered. It runs on one
 * event loop so that it takes as little of the shared machine's CPU as it can. Not a test; it
 * prints figures and asserts nothing. {@code kv bench} is the user-facing tool.
 *
 * <p>Run from the top, after {@code mvn -B -q -pl node -am test-compile dependency:build-classpath
 * -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test}:
 * {@code java -cp "node/target/test-classes:$(cat node/target/cp.txt)" io.kvlog.node.bench.HttpLoad
 * URL[,URL...] put|get[:LEVEL] [connections=64] [seconds=20] [warmup=5] [keys=10000] [valueBytes=100]}
 * where LEVEL is a {@code wait=} level for puts (log, applied, all) or a {@code consistency=} for gets.
 */
public final class HttpLoad {

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: HttpLoad URL[,URL...] put|get[:LEVEL] [connections] [seconds] [warmup] [keys] [valueBytes]");
            System.exit(2);
        }
        List<URI> nodes = new ArrayList<>();
        for (String url : args[0].split(",")) {
            nodes.add(URI.create(url));
        }
        String[] op = args[1].split(":");
        boolean put = op[0].equals("put");
        if (!put && !op[0].equals("get")) {
            throw new IllegalArgumentException("operation: must be put or get, got '" + op[0] + "'");
        }
        String level = op.length > 1 ? op[1] : (put ? "log" : "linearizable");
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        int keys = args.length > 5 ? Integer.parseInt(args[5]) : 10_000;
        int valueBytes = args.length > 6 ? Integer.parseInt(args[6]) : 100;
        Buffer value = Buffer.buffer("x".repeat(valueBytes));
        String query = put ? "?wait=" + level : "?consistency=" + level;

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(connections));
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(30), 3);
        Map<Integer, AtomicLong> statuses = new TreeMap<>();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(connections);
        for (int c = 0; c < connections; c++) {
            URI node = nodes.get(c % nodes.size());
            vertx.runOnContext(v -> new Slot(client, node, put, query, value, keys, recorder, statuses, errors,
                    measureFrom, end, done).next());
        }
        System.out.printf(Locale.ROOT, "%s %s, %d connections over %d node(s), %d s after %d s warm-up, %d keys, %d B values%n",
                op[0], level, connections, nodes.size(), seconds, warmup, keys, valueBytes);
        Histogram total = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
        Histogram interval = null;
        while (!done.await(1, TimeUnit.SECONDS)) {
            interval = recorder.getIntervalHistogram(interval);
            if (System.nanoTime() > measureFrom) {
                total.add(interval);
            }
            System.out.printf(Locale.ROOT, "  %6.0f/s  p50 %6.2f ms  p99 %7.2f ms%n", (double) interval.getTotalCount(),
                    interval.getValueAtPercentile(50) / 1000.0, interval.getValueAtPercentile(99) / 1000.0);
        }
        total.add(recorder.getIntervalHistogram(interval));
        System.out.printf(Locale.ROOT, "RESULT %s %s: %.0f ok/s  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms"
                        + "  max %.2f ms  statuses %s  errors %d%n", op[0], level, total.getTotalCount() / (double) seconds,
                total.getValueAtPercentile(50) / 1000.0, total.getValueAtPercentile(90) / 1000.0,
                total.getValueAtPercentile(99) / 1000.0, total.getValueAtPercentile(99.9) / 1000.0,
                total.getMaxValue() / 1000.0, statuses, errors.get());
        client.close().await();
        vertx.close().await();
    }

    /** One request in flight at a time, the next sent as the previous is answered. */
    private record Slot(HttpClient client, URI node, boolean put, String query, Buffer value, int keys,
                        Recorder recorder, Map<Integer, AtomicLong> statuses, AtomicLong errors, long measureFrom,
                        long end, CountDownLatch done) {

        void next() {
            long sent = System.nanoTime();
            if (sent >= end) {
                done.countDown();
                return;
            }
            String path = "/v1/kv/k" + ThreadLocalRandom.current().nextInt(keys) + query;
            RequestOptions request = new RequestOptions().setHost(node.getHost()).setPort(node.getPort())
                    .setMethod(put ? HttpMethod.PUT : HttpMethod.GET).setURI(path);
            client.request(request)
                    .compose(r -> put ? r.send(value) : r.send())
                    .compose(response -> response.body().map(body -> response.statusCode()))
                    .onComplete(answer -> {
                        long now = System.nanoTime();
                        if (now >= measureFrom && now < end) {
                            if (answer.succeeded()) {
                                synchronized (statuses) {
                                    statuses.computeIfAbsent(answer.result(), s -> new AtomicLong()).incrementAndGet();
                                }
                                int status = answer.result();
                                if (status == 200 || (!put && status == 404)) {
                                    recorder.recordValue(Math.min((now - sent) / 1000, TimeUnit.SECONDS.toMicros(30)));
                                }
                            } else {
                                errors.incrementAndGet();
                            }
                        }
                        next();
                    });
        }
    }

    private HttpLoad() {
    }
}
