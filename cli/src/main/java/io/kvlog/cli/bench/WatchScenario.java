package io.kvlog.cli.bench;

import io.kvlog.protocol.KvEvents;
import io.kvlog.protocol.Topics;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The {@code watch} scenario (issue 13, "Measure"), on a running local cluster:
 * <ul>
 *   <li>{@link #catchUp}: N events written straight to the log, applied by every node, then one
 *   watch from 0 of their prefix on the first node, timed from its request until it says it has
 *   caught up (a progress event with {@code caughtUp=true}) or has sent all N changes: changes/s.
 *   The watch reads every event of the log to find them, so the log's size and the raw
 *   {@link KafkaBaseline#consume consumer's} rate over the same topic are reported beside it;</li>
 *   <li>{@link #delivery}: per watcher count, a {@link WatchDelivery} run (watchers on one node,
 *   an open-loop writer through every node): latency from a write's ack to each watcher's receipt.
 *   The same against etcd's watch when an etcd is given.</li>
 * </ul>
 * The bench's clients run in this JVM, on the same cores as the brokers and nodes.
 */
public final class WatchScenario implements AutoCloseable {

    /** Said beside every figure: the clients compete with the servers for the CPU. */
    static final String SHARED_CORES = "bench clients (this JVM) and all servers share this machine's "
            + Runtime.getRuntime().availableProcessors() + " cores";

    private final Consumer<String> progress;
    // created here, closed in close()
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    public WatchScenario(Consumer<String> progress) {
        this.progress = progress;
    }

    /** Catch-up of a watch from 0 over {@code events} changes, and the raw consumer over the same log. */
    public ScenarioOutcome catchUp(String bootstrapServers, Map<String, Object> security, List<URI> nodes, int events,
                                   int valueBytes)
            throws InterruptedException {
        progress.accept("watch catch-up: " + SHARED_CORES);
        String prefix = "catch-up-" + run + "/";
        int keys = Math.min(events, 10_000);
        String value = "c".repeat(valueBytes);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            records.add(KvEvents.insert(prefix + (i % keys), value, "cu-" + run + "-" + i));
        }
        long produceStart = System.nanoTime();
        RecordMetadata[] written = DirectWrites.produce(bootstrapServers, security, records, progress);
        records = null; // let the records go before the watch
        double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
        DirectWrites.awaitApplied(http, nodes, DirectWrites.lastOffsets(written),
                Duration.ofSeconds(60 + events / 500), progress);
        double appliedSeconds = (System.nanoTime() - produceStart) / 1e9;
        long logEvents = ReplayScenario.endOffsets(bootstrapServers, security).values().stream().mapToLong(Long::longValue).sum();
        progress.accept(String.format(Locale.ROOT, "watch catch-up: %d events applied by all %d node(s) %.1f s after"
                + " the first was sent; the log holds %d events; watching '%s' from 0 on %s", events, nodes.size(),
                appliedSeconds, logEvents, prefix, nodes.get(0)));

        CatchUp watch = watchFromZero(nodes.get(0), prefix, events, Duration.ofSeconds(Math.max(60, events / 1000)));
        double seconds = watch.nanos() / 1e9;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("node", nodes.get(0).toString());
        details.put("changes", watch.changes());
        details.put("changesWritten", events);
        details.put("endedBy", watch.caughtUp() ? "progress caughtUp=true" : "all changes received");
        details.put("seconds", seconds);
        details.put("firstChangeMillis", watch.firstChangeNanos() / 1e6);
        details.put("logEvents", logEvents);
        details.put("logEventsPerSecond", logEvents / seconds);
        details.put("produceSeconds", produceSeconds);
        details.put("allNodesAppliedSeconds", appliedSeconds);
        details.put("cores", SHARED_CORES);
        if (watch.changes() != events) {
            details.put("problem", "the watch sent " + watch.changes() + " changes of the " + events + " written");
        }
        progress.accept(String.format(Locale.ROOT, "watch catch-up: %d changes in %.2f s: %.0f changes/s (%.0f log"
                + " events/s read)", watch.changes(), seconds, watch.changes() / seconds, logEvents / seconds));
        ScenarioResult catchUp = new ScenarioResult("watch-catch-up", "events/s", watch.changes() / seconds, details);
        ScenarioResult raw = new KafkaBaseline(bootstrapServers, security).consume("kafka-consume-catch-up", Topics.EVENTS,
                progress);
        return new ScenarioOutcome(List.of(), List.of(catchUp, raw));
    }

    /** A catch-up as the client saw it. */
    record CatchUp(long changes, boolean caughtUp, long nanos, long firstChangeNanos) {
    }

    private CatchUp watchFromZero(URI node, String prefix, long expected, Duration limit) throws InterruptedException {
        HttpClientAgent client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(false).setIdleTimeout(0))
                .with(new PoolOptions().setHttp1MaxSize(1)).build();
        AtomicLong changes = new AtomicLong();
        AtomicLong firstChange = new AtomicLong(-1);
        CompletableFuture<Boolean> done = new CompletableFuture<>(); // true: ended by caughtUp
        long start = System.nanoTime();
        WatchApi api = new KvlogWatchApi(List.of(node), "0");
        WatchApi.Sink sink = new WatchApi.Sink() {
            @Override
            public void ready() {
            }

            @Override
            public void change(String key, long version) {
                if (changes.incrementAndGet() == 1) {
                    firstChange.set(System.nanoTime() - start);
                }
                if (changes.get() >= expected) {
                    done.complete(false);
                }
            }

            @Override
            public void progress(boolean caughtUp) {
                if (caughtUp) {
                    done.complete(true);
                }
            }

            @Override
            public void error(String message) {
                done.completeExceptionally(new IllegalStateException("the watch ended with an error: " + message));
            }
        };
        BenchTarget.Request request = api.watch(prefix);
        Promise<Void> ready = Promise.promise();
        AtomicReference<String> closedWhy = new AtomicReference<>();
        WatchDelivery.onContext(vertx, () -> client.request(new RequestOptions().setMethod(request.method())
                        .setHost(node.getHost()).setPort(node.getPort()).setURI(request.uri()))
                .compose(req -> req.send())
                .onSuccess(response -> WatchDelivery.read(response, api.reader(sink), ready, new AtomicInteger(), closedWhy))
                .onFailure(done::completeExceptionally));
        ready.future().onFailure(done::completeExceptionally);
        try {
            boolean caughtUp = done.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return new CatchUp(changes.get(), caughtUp, System.nanoTime() - start, firstChange.get());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the watch from 0 had not caught up after " + limit.toSeconds() + " s: "
                    + changes.get() + " of " + expected + " changes received"
                    + (closedWhy.get() == null ? "" : "; " + closedWhy.get()), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the watch from 0 failed after " + changes.get() + " changes: "
                    + e.getCause().getMessage(), e.getCause());
        } finally {
            close(client);
        }
    }

    /**
     * One delivery run per watcher count against {@code api}; the CPU use of {@code processes}
     * (name: pids) and of this JVM ({@code bench}) over each run's measured seconds goes into its details.
     */
    ScenarioOutcome delivery(WatchApi api, WatchSettings watch, LoadSettings settings,
                             Map<String, List<Long>> processes) throws InterruptedException {
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        groups.put("bench", List.of(CpuMeter.self()));
        groups.putAll(processes);
        progress.accept("watch delivery on " + api.system() + ": " + SHARED_CORES);
        List<WorkloadResult> results = new ArrayList<>();
        List<ScenarioResult> scenarios = new ArrayList<>();
        for (int i = 0; i < watch.watchers().size(); i++) {
            int watchers = watch.watchers().get(i);
            String prefix = "watch-" + run + "-" + api.system() + "-" + i + "-" + watchers + "/";
            WatchDelivery.Outcome outcome = new WatchDelivery(vertx, api, progress).run(prefix, watchers, watch.rate(),
                    settings, new CpuMeter(groups));
            results.add(outcome.result());
            scenarios.add(outcome.details());
        }
        return new ScenarioOutcome(results, scenarios);
    }

    /** kvlog's watch on these nodes (delivery runs watch from now). */
    static WatchApi kvlog(List<URI> nodes) {
        return new KvlogWatchApi(nodes, "now");
    }

    /** etcd's watch through the gateway of these members. */
    static WatchApi etcd(List<URI> members) {
        return new EtcdWatchApi(members);
    }

    private static void close(HttpClientAgent client) {
        try {
            client.close().await(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("a bench HTTP client did not close in 10 s", e);
        }
    }

    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the watch scenario's event loops did not stop in 10 s", e);
        }
    }
}
