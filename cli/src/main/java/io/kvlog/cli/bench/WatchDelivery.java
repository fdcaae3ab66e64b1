package io.kvlog.cli.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * One watch delivery run against one system: N watchers of a fresh prefix on its first server,
 * then an open-loop writer at a fixed rate (write i due at start + i/rate, round the servers,
 * keys {@code prefix0..prefix999}) for warm-up + measured seconds; each delivery's latency is
 * from the write's ack to the watcher's receipt ({@link DeliveryLatencies}). After the writer
 * stops, deliveries still owed are awaited for {@link #GRACE}; what has not come by then is
 * undelivered.
 *
 * <p>The clients are Vert.x's on the caller's event loops: each watcher is one HTTP connection read
 * a line at a time, the writer shares a pool of connections.
 */
final class WatchDelivery {

    /** How long deliveries are awaited after the last write. */
    static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int KEYS = 1000;

    private final Vertx vertx;
    private final WatchApi api;
    private final Consumer<String> progress;

    WatchDelivery(Vertx vertx, WatchApi api, Consumer<String> progress) {
        this.vertx = vertx;
        this.api = api;
        this.progress = progress;
    }

    /** What a run measured: the latency row and the run's details. */
    record Outcome(WorkloadResult result, ScenarioResult details) {
    }

    static String workload(int watchers) {
        return "watch-" + watchers + (watchers == 1 ? "-watcher" : "-watchers");
    }

    /** @param cpu the processes whose CPU use over the measured seconds goes into the details */
    Outcome run(String prefix, int watchers, int rate, LoadSettings settings, CpuMeter cpu) throws InterruptedException {
        String name = workload(watchers);
        URI watchNode = api.endpoints().get(0);
        HttpClientAgent streams = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(false).setIdleTimeout(0)
                        .setConnectTimeout((int) settings.timeoutMillis()))
                .with(new PoolOptions().setHttp1MaxSize(watchers)).build();
        HttpClientAgent writes = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setConnectTimeout((int) settings.timeoutMillis()))
                .with(new PoolOptions().setHttp1MaxSize(Math.max(8, settings.connections()))).build();
        AtomicInteger closedWatchers = new AtomicInteger();
        AtomicReference<String> firstClose = new AtomicReference<>();
        // the delivery clock is set once every watcher is ready; until then changes cannot arrive
        AtomicReference<DeliveryLatencies> latencies = new AtomicReference<>();
        try {
            List<Future<Void>> ready = new ArrayList<>();
            for (int w = 0; w < watchers; w++) {
                ready.add(openWatcher(streams, watchNode, prefix, latencies, closedWatchers, firstClose));
            }
            Future.all(ready).await(60, TimeUnit.SECONDS);
            progress.accept(String.format(Locale.ROOT, "%s: %d watcher(s) of '%s' open on %s; writing %d/s (wait=log)"
                    + " round %d server(s) for %d + %d s", api.system(), watchers, prefix, watchNode, rate,
                    api.endpoints().size(), settings.warmupSeconds(), settings.seconds()));
            return write(name, prefix, watchers, rate, settings, writes, latencies, closedWatchers, firstClose, cpu);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(api.system() + ": " + watchers + " watchers were not all open after 60 s", e);
        } finally {
            close(streams);
            close(writes);
        }
    }

    private Outcome write(String name, String prefix, int watchers, int rate, LoadSettings settings,
                          HttpClientAgent writes, AtomicReference<DeliveryLatencies> latencies,
                          AtomicInteger closedWatchers, AtomicReference<String> firstClose, CpuMeter cpu)
            throws InterruptedException {
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(settings.warmupSeconds());
        long end = measureFrom + TimeUnit.SECONDS.toNanos(settings.seconds());
        DeliveryLatencies matched = new DeliveryLatencies(watchers, measureFrom, end);
        latencies.set(matched);
        Recording acks = new Recording(); // the writes' own latency: from when each was due to its ack
        LongAdder inFlight = new LongAdder();
        Map<String, LongAdder> writeErrors = new ConcurrentHashMap<>();
        String value = "w".repeat(settings.valueBytes());
        double interval = 1e9 / rate;
        long[] issued = {0};
        List<URI> servers = api.endpoints();
        long timer = vertx.setPeriodic(1, id -> {
            long stop = Math.min(System.nanoTime(), end);
            while (start + (long) (issued[0] * interval) < stop) {
                long intended = start + (long) (issued[0] * interval);
                String key = prefix + (issued[0] % KEYS);
                URI server = servers.get((int) (issued[0] % servers.size()));
                issued[0]++;
                inFlight.increment();
                long sent = System.nanoTime();
                LoadGenerator.send(writes, server, api.write(key, value), settings).onComplete(reply -> {
                    long now = System.nanoTime();
                    inFlight.decrement();
                    String error = null;
                    if (reply.failed()) {
                        error = Recording.kindOf(reply.cause());
                    } else {
                        long version = api.ackedVersion(reply.result().status(), reply.result().body());
                        if (version < 0) {
                            error = "status " + reply.result().status();
                        } else {
                            acks.success(now - intended);
                            matched.acked(key, version, intended, sent, now);
                        }
                    }
                    if (error != null) {
                        acks.error(error);
                        if (intended >= measureFrom) {
                            writeErrors.computeIfAbsent("write " + error, k -> new LongAdder()).increment();
                        }
                    }
                });
            }
        });
        Recording deliveries = matched.recording();
        Map<String, Double> cores;
        try {
            if (settings.warmupSeconds() == 0) {
                cpu.start();
            }
            for (int t = 1; t <= settings.warmupSeconds() + settings.seconds(); t++) {
                long wait = start + TimeUnit.SECONDS.toNanos(t) - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                boolean warmup = t <= settings.warmupSeconds();
                WorkloadResult.Second w = acks.tick(t, warmup);
                WorkloadResult.Second d = deliveries.tick(t, warmup);
                progress.accept(String.format(Locale.ROOT, "%-6s %-20s %3d s%s writes %6d/s (p99 %7.2f ms, errors %d)"
                                + "  deliveries %7d/s (p99 %8.2f ms)  watchers closed %d", api.system(), name, t,
                        warmup ? " (warm-up)" : "          ", w.ops(), w.p99Ms(), w.errors(), d.ops(), d.p99Ms(),
                        closedWatchers.get()));
                if (t == settings.warmupSeconds()) {
                    cpu.start();
                }
            }
            cores = cpu.coresSinceStart();
        } finally {
            vertx.cancelTimer(timer);
        }
        long graceUntil = System.nanoTime() + settings.timeout().toNanos() + GRACE_NANOS;
        while ((inFlight.sum() > 0 || matched.outstanding() > 0) && System.nanoTime() < graceUntil
                && closedWatchers.get() < watchers) {
            Thread.sleep(20);
        }
        double waited = (System.nanoTime() - end) / 1e9;
        DeliveryLatencies.Totals totals = matched.totals();
        LatencySummary latency = LatencySummary.of(totals.latency());
        Map<String, Long> errors = new TreeMap<>();
        writeErrors.forEach((kind, n) -> errors.put(kind, n.sum()));
        if (totals.undelivered() > 0) {
            errors.put("undelivered", totals.undelivered());
        }
        if (closedWatchers.get() > 0) {
            errors.put("watchers closed", (long) closedWatchers.get());
        }
        WorkloadResult result = new WorkloadResult(api.system(), name, "open " + rate + "/s", watchers,
                settings.seconds(), latency.count(), latency.count() / (double) settings.seconds(), latency, errors,
                deliveries.timeline());
        LatencySummary ack = LatencySummary.of(acks.total());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("system", api.system());
        details.put("watchers", watchers);
        details.put("watchersOn", api.endpoints().get(0).toString());
        details.put("writeRateAsked", rate);
        details.put("writesAcked", totals.measuredWrites());
        details.put("writeAckP50Ms", ack.p50Ms());
        details.put("writeAckP99Ms", ack.p99Ms());
        details.put("writeAckMaxMs", ack.maxMs());
        details.put("deliveries", latency.count());
        details.put("deliveryP50Ms", latency.p50Ms());
        details.put("deliveryP99Ms", latency.p99Ms());
        details.put("deliveryMaxMs", latency.maxMs());
        LatencySummary fromSend = LatencySummary.of(totals.fromSend());
        details.put("fromSendP50Ms", fromSend.p50Ms());
        details.put("fromSendP99Ms", fromSend.p99Ms());
        details.put("fromSendMaxMs", fromSend.maxMs());
        details.put("deliveredBeforeAck", matched.beforeAck());
        details.put("undelivered", totals.undelivered());
        details.put("deliveredButNotAcked", totals.deliveredButNotAcked());
        details.put("watchersClosed", closedWatchers.get());
        if (firstClose.get() != null) {
            details.put("firstClose", firstClose.get());
        }
        details.put("drainSeconds", waited);
        details.put("cores", WatchScenario.SHARED_CORES);
        details.put("cpuCoresBusy", cores);
        double achieved = totals.measuredWrites() / (double) settings.seconds();
        progress.accept(String.format(Locale.ROOT, "%s %s: %.0f writes/s acked (asked %d/s); %d deliveries, p50 %.2f ms,"
                        + " p99 %.2f ms, max %.2f ms after the ack (%d before it: 0); from the send p50 %.2f, p99 %.2f,"
                        + " max %.2f ms; %d undelivered, %d watcher(s) closed; CPU cores busy while measured: %s",
                api.system(), name, achieved, rate, latency.count(), latency.p50Ms(), latency.p99Ms(), latency.maxMs(),
                matched.beforeAck(), fromSend.p50Ms(), fromSend.p99Ms(), fromSend.maxMs(), totals.undelivered(),
                closedWatchers.get(), cores));
        return new Outcome(result, new ScenarioResult(api.system() + "-" + name, "writes/s", achieved, details));
    }

    /** Opens one watcher; the future completes once the watch is established. */
    private Future<Void> openWatcher(HttpClientAgent client, URI server, String prefix,
                                     AtomicReference<DeliveryLatencies> latencies, AtomicInteger closed,
                                     AtomicReference<String> firstClose) {
        Promise<Void> ready = Promise.promise();
        BenchTarget.Request request = api.watch(prefix);
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost(server.getHost())
                .setPort(server.getPort()).setURI(request.uri());
        if (request.body() != null) {
            options.putHeader("content-type", "application/json");
        }
        WatchApi.Sink sink = new WatchApi.Sink() {
            @Override
            public void ready() {
                ready.tryComplete();
            }

            @Override
            public void change(String key, long version) {
                long now = System.nanoTime();
                DeliveryLatencies matcher = latencies.get();
                if (matcher != null) {
                    matcher.delivered(key, version, now);
                }
            }

            @Override
            public void progress(boolean caughtUp) {
                // kvlog sends one as soon as the watch is live, then every progress-ms: ready even if the
                // opening comment was missed (a client that sets its handlers after the first chunk loses it)
                ready.tryComplete();
            }

            @Override
            public void error(String message) {
                firstClose.compareAndSet(null, message);
            }
        };
        onContext(vertx, () -> client.request(options)
                .compose(req -> request.body() == null ? req.send() : req.send(request.body()))
                .onSuccess(response -> read(response, api.reader(sink), ready, closed, firstClose))
                .onFailure(ready::tryFail));
        return ready.future();
    }

    /**
     * Runs {@code request} on an event loop of its own, so that the request, its connection and the
     * listeners of its response all run on that one thread: the response's handlers are then set
     * before its first chunk is handled. Sent from another thread, the response future's listeners
     * may run after the first chunk, which Vert.x drops when no handler is set yet (a watcher that
     * never saw its opening line was taken for one that never opened).
     */
    static void onContext(Vertx vertx, Runnable request) {
        vertx.getOrCreateContext().runOnContext(v -> request.run());
    }

    /** Reads a watch's stream line by line into {@code reader}; counts it as closed if the server ends it. */
    static void read(HttpClientResponse response, WatchApi.StreamReader reader, Promise<Void> ready,
                     AtomicInteger closed, AtomicReference<String> firstClose) {
        if (response.statusCode() != 200) {
            response.body().onComplete(body -> ready.tryFail(new IllegalStateException("watch refused: "
                    + response.statusCode() + " " + (body.succeeded() ? body.result() : body.cause()))));
            return;
        }
        RecordParser lines = RecordParser.newDelimited("\n", response);
        lines.handler(reader::line);
        lines.exceptionHandler(e -> {
            firstClose.compareAndSet(null, e.toString());
            ready.tryFail(e);
        });
        lines.endHandler(v -> {
            if (ready.tryFail(new IllegalStateException("the watch ended before it was established"))) {
                return;
            }
            closed.incrementAndGet();
            firstClose.compareAndSet(null, "the server ended the stream");
        });
    }

    private static void close(HttpClientAgent client) {
        try {
            client.close().await(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("a bench HTTP client did not close in 10 s", e);
        }
    }
}
