package io.kvlog.cli.check.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.cli.check.OneShotHttp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The test utility itself: the proxy injects the faults it says, reproducibly, and cleans up. */
// generous bounds: on a loaded 2-core machine a request through the proxy took over 5 s (a timeout read as a drop)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FaultyProxyTest {

    private Vertx vertx;
    private int upstreamPort;
    private final AtomicInteger served = new AtomicInteger();

    @BeforeEach
    void startUpstream() throws Exception {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer()
                .requestHandler(request -> request.body().onSuccess(body -> {
                    served.incrementAndGet();
                    request.response().end("echo:" + body);
                }))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        upstreamPort = server.actualPort();
    }

    @AfterEach
    void stopUpstream() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void dropsConnectionsAndRepliesAsConfiguredAndTheSameSeedGivesTheSameFaults() throws Exception {
        // Given a proxy dropping 10% of connections before forwarding and 20% of replies after
        FaultyProxy.Faults faults = new FaultyProxy.Faults(0.1, 0.2, 42);

        // When 200 one-shot requests go through it, twice with the same seed
        List<Boolean> firstRun = run(faults, 200);
        int servedInFirstRun = served.getAndSet(0);
        List<Boolean> secondRun = run(faults, 200);

        // Then about 30% fail, and the same ones fail again
        long failures = firstRun.stream().filter(ok -> !ok).count();
        assertTrue(failures >= 35 && failures <= 85, failures + " of 200 failed");
        assertEquals(firstRun, secondRun);
        // and a dropped reply still reached the server: it served every request but those dropped before forwarding
        assertTrue(servedInFirstRun > 200 - failures, servedInFirstRun + " served with " + failures + " failures");
    }

    @Test
    void delaysForwardedConnectionsWithoutLosingThem() throws Exception {
        // Given a proxy that delays every connection by up to 200 ms and drops none
        FaultyProxy.Faults faults = new FaultyProxy.Faults(0, 0, 1.0, Duration.ofMillis(200), 7);
        try (FaultyProxy proxy = FaultyProxy.start("127.0.0.1", upstreamPort, faults, 4)) {
            // When 20 requests go through it
            for (int i = 0; i < 20; i++) {
                OneShotHttp.Reply reply = OneShotHttp.send("127.0.0.1", proxy.port(), "POST", "/echo",
                        "d" + i, Duration.ofSeconds(30));
                // Then each is answered, late but whole
                assertEquals("echo:d" + i, reply.body());
            }
            FaultyProxy.Counts counts = proxy.counts();
            assertEquals(20, counts.delayed(), counts.toString());
            assertEquals(20, counts.passed(), counts.toString());
        }
    }

    @Test
    void closeStopsEveryThreadAndRefusesNewConnections() throws Exception {
        // Given a proxy that passed traffic
        FaultyProxy proxy = FaultyProxy.start("127.0.0.1", upstreamPort, new FaultyProxy.Faults(0, 0, 1), 4);
        int port = proxy.port();
        assertEquals(200, OneShotHttp.send("127.0.0.1", port, "POST", "/", "x",
                Duration.ofSeconds(30)).status());

        // When it is closed
        proxy.close();

        // Then no proxy thread is left and nobody accepts on its port
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("faulty-proxy")), "proxy threads left");
        try {
            OneShotHttp.send("127.0.0.1", port, "POST", "/", "x", Duration.ofSeconds(2));
            throw new AssertionError("the closed proxy still answered");
        } catch (IOException expected) {
            // refused
        }
    }

    private List<Boolean> run(FaultyProxy.Faults faults, int requests) throws Exception {
        List<Boolean> outcomes = new ArrayList<>();
        try (FaultyProxy proxy = FaultyProxy.start("127.0.0.1", upstreamPort, faults, 8)) {
            for (int i = 0; i < requests; i++) {
                try {
                    OneShotHttp.Reply reply = OneShotHttp.send("127.0.0.1", proxy.port(), "POST", "/echo",
                            "n" + i, Duration.ofSeconds(30));
                    assertEquals("echo:n" + i, reply.body());
                    outcomes.add(true);
                } catch (IOException dropped) {
                    outcomes.add(false);
                }
            }
            FaultyProxy.Counts counts = proxy.counts();
            assertEquals(requests, counts.accepted());
            assertEquals(outcomes.stream().filter(ok -> !ok).count(),
                    counts.droppedBeforeForward() + counts.droppedReplies(), counts.toString());
        }
        return outcomes;
    }
}
