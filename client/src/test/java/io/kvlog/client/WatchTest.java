package io.kvlog.client;

import static io.kvlog.client.testing.FakeNode.change;
import static io.kvlog.client.testing.FakeNode.send;
import static io.kvlog.client.testing.FakeNode.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.client.internal.Transport;
import io.kvlog.client.testing.FakeNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How a {@link Watch} follows its stream: silence, nodes gone, busy nodes. */
class WatchTest {

    private static final String PUT = "{\"key\":\"app/a\",\"type\":\"put\",\"value\":\"1\",\"version\":12,"
            + "\"token\":\"3:11\",\"id\":\"w1\",\"time\":\"2026-12-02T06:00:00.123Z\"}";
    private static final String APPEND = "{\"key\":\"app/a\",\"type\":\"append\",\"value\":\"2\",\"version\":13,"
            + "\"token\":\"3:12\",\"id\":null,\"time\":\"2026-12-02T06:00:01Z\"}";

    private final List<FakeNode> nodes = new ArrayList<>();
    private final List<String> notices = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(FakeNode::close);
    }

    @Test
    void aStreamThatGoesSilentIsDroppedAndReopenedAfterTheLastChange() throws Exception {
        // Given a node whose streams send one change, then nothing, not even progress
        FakeNode node = node((exchange, n) -> {
            send(stream(exchange), n == 0 ? change("3:11", PUT) : change("3:12", APPEND));
            nodes.get(0).hold();
        });
        List<String> positions = new CopyOnWriteArrayList<>();

        // When it is watched with progress asked for every 200 ms
        Watch[] watch = new Watch[1];
        watch[0] = watch(node.url(), Duration.ofMillis(200), event -> {
            positions.add(event.position());
            if (positions.size() == 2) {
                watch[0].close();
            }
        });
        watch[0].done().get(10, TimeUnit.SECONDS);

        // Then it was reopened after 600 ms of silence, resuming after the change seen
        assertEquals(List.of("3:11", "3:12"), positions);
        assertEquals("3:11", node.requests().get(1).lastEventId());
        assertEquals("prefix=&progress-ms=200", node.requests().get(1).query());
        assertEquals("prefix=&from=now&progress-ms=200", node.requests().get(0).query());
        assertEquals("watch: stream from " + node.url() + " dropped (nothing for 600 ms, not even a progress"
                + " event); resuming after 3:11", notices.get(0));
    }

    @Test
    void reopeningGivesUpAfterTriesThatBringNothing() throws Exception {
        // Given a node that streams one change, then is gone
        FakeNode node = node((exchange, n) -> send(stream(exchange), change("3:11", PUT)));
        List<WatchEvent> events = new CopyOnWriteArrayList<>();

        Watch watch = watch(node.url(), Duration.ofMillis(50), event -> {
            events.add(event);
            node.close();
        });
        Throwable e = failure(watch);

        // Then the watch tried to reopen it MAX_TRIES times, then gave up
        assertTrue(e instanceof NoNodeAnsweredException, e.toString());
        assertEquals("watch: gave up after " + Watch.MAX_TRIES + " tries to reopen it; last: no node answered;"
                + " tried " + node.url() + " (connection refused)", e.getMessage());
        assertEquals("3:11", watch.position());
        assertEquals(1, events.size());
    }

    @Test
    void streamsThatBringNothingAndBusyNodesCountAsFailedTries() throws Exception {
        // Given a node that ends every stream at once, and is busy every other time it is asked again
        FakeNode node = node((exchange, n) -> {
            if (n % 2 == 1) {
                FakeNode.reply(exchange, 503, "{\"error\":\"OVERLOADED\",\"message\":\"too many watches\"}");
            } else {
                stream(exchange).flush();
            }
        });

        Throwable e = failure(watch(node.url(), Duration.ofMillis(50), event -> { }));

        // Then the first stream and the MAX_TRIES - 1 tries after it were all it took to give up
        assertTrue(e instanceof NoNodeAnsweredException, e.toString());
        assertEquals(Watch.MAX_TRIES, node.requests().size());
        assertEquals("watch: gave up after " + Watch.MAX_TRIES + " tries to reopen it; last: " + node.url()
                + " (503 OVERLOADED: too many watches)", e.getMessage());
    }

    @Test
    void anErrorEventEndsTheWatchNamingIt() throws Exception {
        FakeNode node = node((exchange, n) -> send(stream(exchange), change("3:11", PUT)
                + "event: error\ndata: {\"error\":\"INTERNAL\",\"message\":\"this watch stopped\"}\n\n"));

        Throwable e = failure(watch(node.url(), Duration.ofMillis(50), event -> { }));

        assertTrue(e instanceof KvException k && k.error().equals("INTERNAL"), e.toString());
        assertEquals("the node ended the watch: INTERNAL: this watch stopped", e.getMessage());
        assertEquals(1, node.requests().size());
    }

    private Watch watch(String url, Duration progress, Consumer<WatchEvent> listener) {
        Transport transport = new Transport(List.of(url), Duration.ofSeconds(1), Duration.ofSeconds(5), false, false,
                Duration.ofSeconds(30), notices::add, null, null);
        Watch watch = new Watch(transport, WatchRequest.all().from("now").progress(progress), listener,
                Duration.ofMillis(1), transport::reason);
        watch.start();
        return watch;
    }

    private static Throwable failure(Watch watch) throws Exception {
        try {
            watch.done().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the watch ended without failing");
    }

    private FakeNode node(FakeNode.Handler handler) throws IOException {
        FakeNode node = FakeNode.start(handler);
        nodes.add(node);
        return node;
    }
}
