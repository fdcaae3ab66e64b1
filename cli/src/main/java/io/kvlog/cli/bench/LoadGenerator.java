package io.kvlog.cli.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The HTTP load generator: Vert.x's async HTTP client on a few event loops, so N connections need
 * no N threads.
 *
 * <p>Closed loop (default): each of N workers has one request in flight and sends the next when
 * the reply came; latency is send to reply. Open loop ({@code rate > 0}): requests are due on a
 * fixed schedule (request i at start + i/rate) whatever the replies do, over a pool of N
 * connections; latency is measured from the <em>intended</em> send time, so a server that stalls
 * is charged for the requests that queued behind the stall (no coordinated omission).
 *
 * <p>Started by the constructor; {@link #close()} stops its event loops.
 */
public final class LoadGenerator implements AutoCloseable {

    private static final int VALUE_VARIANTS = 16;

    private final Vertx vertx;

    public LoadGenerator(int eventLoops) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
    }

    /** Writes every key of the key space once (through the target's write), failing on the first key that cannot be written. */
    public void preload(BenchTarget target, LoadSettings settings, Workload ack, Consumer<String> progress)
            throws InterruptedException {
        List<String> values = values(settings.valueBytes(), new SplittableRandom(1));
        HttpClientAgent client = client(target, settings);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicLong lastReport = new AtomicLong(System.nanoTime());
        CountDownLatch finished = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<String> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable[] step = new Runnable[1];
        step[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= settings.keys() || failure.get() != null) {
                return;
            }
            String key = LoadSettings.key(i);
            URI endpoint = target.endpoints().get(i % target.endpoints().size());
            sendWithRetries(target, client, endpoint, target.write(key, values.get(i % values.size()), ack), settings, 60)
                    .onComplete(reply -> {
                        if (reply.failed() || !target.success(false, reply.result().status(), reply.result().body())) {
                            failure.compareAndSet(null, "cannot pre-load key " + key + " on " + target.system() + " "
                                    + endpoint + ": " + (reply.failed() ? reply.cause().toString()
                                    : "status " + reply.result().status() + " " + reply.result().body()));
                            finished.countDown();
                            return;
                        }
                        int n = done.incrementAndGet();
                        long now = System.nanoTime();
                        long last = lastReport.get();
                        if (now - last > 1_000_000_000L && lastReport.compareAndSet(last, now)) {
                            progress.accept(String.format("pre-loading %s: %d / %d keys", target.system(), n, settings.keys()));
                        }
                        if (n == settings.keys()) {
                            finished.countDown();
                        } else {
                            step[0].run();
                        }
                    });
        };
        for (int c = 0; c < Math.min(settings.connections(), settings.keys()); c++) {
            step[0].run();
        }
        try {
            long limitSeconds = 60 + settings.keys() / 100;
            if (!finished.await(limitSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException("pre-loading " + settings.keys() + " keys on " + target.system()
                        + " did not finish in " + limitSeconds + " s (" + done.get() + " done)");
            }
            if (failure.get() != null) {
                throw new IllegalStateException(failure.get());
            }
            progress.accept(String.format("pre-loaded %d keys on %s", settings.keys(), target.system()));
        } finally {
            close(client);
        }
    }

    /** Runs the workload for warm-up + duration seconds and returns what the measured seconds saw. */
    public WorkloadResult run(BenchTarget target, Workload workload, LoadSettings settings, Consumer<String> progress)
            throws InterruptedException {
        return run(target, workload, settings, null, progress);
    }

    /**
     * Where a run also records its outcomes by kind of request: each reply that arrives in the
     * measured seconds, into {@code reads} or {@code writes}. The caller ticks them.
     */
    public record ByKind(Recording reads, Recording writes) {
        Recording of(boolean read) {
            return read ? reads : writes;
        }
    }

    /** As {@link #run(BenchTarget, Workload, LoadSettings, Consumer)}, also recording by kind into {@code byKind} (may be null). */
    public WorkloadResult run(BenchTarget target, Workload workload, LoadSettings settings, ByKind byKind,
                              Consumer<String> progress) throws InterruptedException {
        if (!target.supports(workload)) {
            throw new IllegalArgumentException(target.system() + " has no equivalent of workload " + workload.name());
        }
        Recording recording = new Recording();
        List<String> values = values(settings.valueBytes(), new SplittableRandom(2));
        HttpClientAgent client = client(target, settings);
        AtomicInteger inFlight = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + (settings.warmupSeconds() + settings.seconds()) * 1_000_000_000L;
        Sender sender = new Sender(vertx, target, workload, settings, client, recording, values, inFlight, byKind,
                start + settings.warmupSeconds() * 1_000_000_000L, end);
        long timer = -1;
        if (settings.rate() == 0) {
            for (int c = 0; c < settings.connections(); c++) {
                sender.closedLoop(target.endpoints().get(c % target.endpoints().size()), end, new SplittableRandom(c + 17L));
            }
        } else {
            timer = sender.openLoop(start, end);
        }
        String label = target.system() + " " + workload.name();
        try {
            recording.clock(start, settings.warmupSeconds(), settings.seconds(), label, progress);
        } finally {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            // let in-flight requests finish (or time out) so the next workload starts on a quiet server
            long drainUntil = System.nanoTime() + settings.timeout().toNanos() + 1_000_000_000L;
            while (inFlight.get() > 0 && System.nanoTime() < drainUntil) {
                Thread.sleep(10);
            }
            close(client);
        }
        return recording.result(target.system(), workload.name(), settings.mode(), settings.connections(),
                settings.seconds());
    }

    /** A reply: status and body. */
    record Reply(int status, Buffer body) {
    }

    /** Issues the requests of one run; callbacks run on the client's event loops. */
    private static final class Sender {
        private final Vertx vertx;
        private final BenchTarget target;
        private final Workload workload;
        private final LoadSettings settings;
        private final HttpClientAgent client;
        private final Recording recording;
        private final List<String> values;
        private final AtomicInteger inFlight;
        private final ByKind byKind;
        private final long measureFrom;
        private final long end;

        Sender(Vertx vertx, BenchTarget target, Workload workload, LoadSettings settings, HttpClientAgent client,
               Recording recording, List<String> values, AtomicInteger inFlight, ByKind byKind, long measureFrom,
               long end) {
            this.vertx = vertx;
            this.target = target;
            this.workload = workload;
            this.settings = settings;
            this.client = client;
            this.recording = recording;
            this.values = values;
            this.inFlight = inFlight;
            this.byKind = byKind;
            this.measureFrom = measureFrom;
            this.end = end;
        }

        void closedLoop(URI endpoint, long end, SplittableRandom random) {
            if (System.nanoTime() >= end) {
                return;
            }
            one(endpoint, random, System.nanoTime()).onComplete(reply -> {
                if (reply.failed()) {
                    // a failure can complete on the caller's stack; continue from the event loop, not recursively
                    vertx.runOnContext(v -> closedLoop(endpoint, end, random));
                } else {
                    closedLoop(endpoint, end, random);
                }
            });
        }

        long openLoop(long start, long end) {
            SplittableRandom random = new SplittableRandom(99);
            long[] issued = {0};
            double intervalNanos = 1e9 / settings.rate();
            List<URI> endpoints = target.endpoints();
            return vertx.setPeriodic(1, id -> {
                long now = System.nanoTime();
                long stop = Math.min(now, end);
                while (start + (long) (issued[0] * intervalNanos) <= stop) {
                    long intended = start + (long) (issued[0] * intervalNanos);
                    URI endpoint = endpoints.get((int) (issued[0] % endpoints.size()));
                    issued[0]++;
                    one(endpoint, random, intended);
                }
            });
        }

        private void record(long from, boolean read, io.vertx.core.AsyncResult<Reply> reply) {
            inFlight.decrementAndGet();
            long now = System.nanoTime();
            String error = reply.failed() ? Recording.kindOf(reply.cause())
                    : target.success(read, reply.result().status(), reply.result().body()) ? null
                    : "status " + reply.result().status();
            record(recording, now - from, error);
            if (byKind != null && now >= measureFrom && now <= end) {
                record(byKind.of(read), now - from, error);
            }
        }

        private static void record(Recording into, long latency, String error) {
            if (error == null) {
                into.success(latency);
            } else {
                into.error(error);
            }
        }

        /** Sends one request and records its outcome, latency counted from {@code from}. */
        private Future<Reply> one(URI endpoint, SplittableRandom random, long from) {
            String key = LoadSettings.key(random.nextInt(settings.keys()));
            boolean read = random.nextInt(100) < workload.readPercent();
            BenchTarget.Request request = read ? target.read(key, workload)
                    : target.write(key, values.get(random.nextInt(values.size())), workload);
            inFlight.incrementAndGet();
            return send(client, endpoint, request, settings).onComplete(reply -> record(from, read, reply));
        }
    }

    /**
     * Sends until the target calls the reply a success, up to {@code attempts} times 250 ms apart (a
     * 503/504 while a fresh cluster settles is worth retrying; a repeated pre-load write is harmless).
     * Fails with the last reply or failure.
     */
    private Future<Reply> sendWithRetries(BenchTarget target, HttpClientAgent client, URI endpoint,
                                          BenchTarget.Request request, LoadSettings settings, int attempts) {
        return send(client, endpoint, request, settings).transform(reply -> {
            boolean ok = reply.succeeded() && target.success(false, reply.result().status(), reply.result().body());
            if (ok || attempts <= 1) {
                return reply.succeeded() ? Future.succeededFuture(reply.result()) : Future.<Reply>failedFuture(reply.cause());
            }
            return vertx.timer(250).compose(v -> sendWithRetries(target, client, endpoint, request, settings, attempts - 1));
        });
    }

    static Future<Reply> send(HttpClientAgent client, URI endpoint, BenchTarget.Request request, LoadSettings settings) {
        RequestOptions options = new RequestOptions().setMethod(request.method()).setHost(endpoint.getHost())
                .setPort(endpoint.getPort()).setURI(request.uri()).setTimeout(settings.timeout().toMillis());
        if (request.body() != null) {
            options.putHeader("content-type", "application/json");
        }
        request.headers().forEach(options::putHeader);
        return client.request(options)
                .compose(req -> request.body() == null ? req.send() : req.send(request.body()))
                .compose(response -> response.body().map(body -> new Reply(response.statusCode(), body)));
    }

    private HttpClientAgent client(BenchTarget target, LoadSettings settings) {
        int perEndpoint = (settings.connections() + target.endpoints().size() - 1) / target.endpoints().size();
        return vertx.httpClientBuilder()
                .with(target.clientOptions(new HttpClientOptions().setKeepAlive(true)
                        .setConnectTimeout((int) settings.timeout().toMillis())))
                .with(new PoolOptions().setHttp1MaxSize(perEndpoint))
                .build();
    }

    private static void close(HttpClientAgent client) {
        try {
            client.close().await(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the bench HTTP client did not close in 10 s", e);
        }
    }

    private static List<String> values(int bytes, SplittableRandom random) {
        List<String> values = new java.util.ArrayList<>();
        for (int v = 0; v < VALUE_VARIANTS; v++) {
            StringBuilder s = new StringBuilder(bytes);
            for (int i = 0; i < bytes; i++) {
                s.append((char) ('a' + random.nextInt(26)));
            }
            values.add(s.toString());
        }
        return values;
    }

    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the load generator's event loops did not stop in 10 s", e);
        }
    }
}
