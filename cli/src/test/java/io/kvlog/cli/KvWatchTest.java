package io.kvlog.cli;

import static io.kvlog.client.testing.FakeNode.change;
import static io.kvlog.client.testing.FakeNode.send;
import static io.kvlog.client.testing.FakeNode.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.client.testing.FakeNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code kv watch} (the client's {@link io.kvlog.client.Watch} under it), against fake nodes that stream Server-Sent Events. */
class KvWatchTest {

    private static final String PUT = "{\"key\":\"app/a\",\"type\":\"put\",\"value\":\"1\",\"version\":12,"
            + "\"token\":\"3:11\",\"id\":\"w1\",\"time\":\"2026-12-02T06:00:00.123Z\"}";
    private static final String APPEND = "{\"key\":\"app/a\",\"type\":\"append\",\"value\":\"2\\n\",\"version\":13,"
            + "\"token\":\"3:12\",\"id\":null,\"time\":\"2026-12-02T06:00:01Z\"}";
    private static final String DELETE = "{\"key\":\"app/a\",\"type\":\"delete\",\"value\":null,\"version\":14,"
            + "\"token\":\"3:13\",\"id\":null,\"time\":\"2026-12-02T06:00:02Z\"}";
    private static final String PROGRESS = "{\"positions\":\"0:5,3:14\",\"caughtUp\":true}";

    private final List<FakeNode> nodes = new ArrayList<>();
    private final List<String> notices = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(FakeNode::close);
    }

    @Test
    void changesArePrintedOneALineProgressAndCommentsAreNot() throws IOException {
        // Given a node that streams a comment, a progress event and three changes, then keeps the stream open
        FakeNode node = node((exchange, n) -> {
            OutputStream s = stream(exchange);
            send(s, ": hello\n\n" + "event: progress\nid: 0:5,3:10\ndata: " + PROGRESS + "\n\n");
            send(s, change("0:5,3:11", PUT) + change("0:5,3:12", APPEND) + change("0:5,3:13", DELETE));
            nodes.get(0).hold();
        });

        // When kv watch asks for the keys under app/, three changes at most
        KvRun run = KvRun.of("watch", "app/", "--max-events", "3", "-H", node.url());

        // Then each change is one line, and the request was a watch of that prefix from now
        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        assertEquals(List.of(
                "put     app/a=1  (version 12, 3:11)",
                "append  app/a+=2\\n  (version 13, 3:12)",
                "delete  app/a  (version 14, 3:13)"), run.out().lines().toList());
        assertEquals("", run.err(), run.toString());
        FakeNode.Request request = node.requests().get(0);
        assertEquals("/v1/watch", request.path());
        assertEquals("prefix=app%2F&progress-ms=5000", request.query());
        assertEquals("text/event-stream", request.accept());
        assertNull(request.lastEventId());
    }

    @Test
    void jsonPrintsEachChangesDataAndProgressWhenAskedFor() throws IOException {
        FakeNode node = node((exchange, n) -> {
            OutputStream s = stream(exchange);
            send(s, "event: progress\nid: 0:5,3:10\ndata: " + PROGRESS + "\n\n" + change("0:5,3:11", PUT));
            nodes.get(0).hold();
        });

        KvRun run = KvRun.of("watch", "--key", "app/a", "--from", "0", "--json", "--progress", "--max-events", "1",
                "-H", node.url());

        // Then each event is a line of JSON: the node's fields, and the watch's position
        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        ObjectMapper json = new ObjectMapper();
        List<String> lines = run.out().lines().toList();
        assertEquals(2, lines.size(), run.toString());
        assertEquals(json.readTree(PROGRESS), json.readTree(lines.get(0)));
        var change = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(lines.get(1));
        assertEquals("0:5,3:11", change.remove("position").asText());
        assertEquals(json.readTree(PUT), change);
        assertEquals("key=app%2Fa&from=0&progress-ms=5000", node.requests().get(0).query());

        KvRun human = KvRun.of("watch", "--progress", "--max-events", "1", "-H", node.url());
        assertEquals("progress  0:5,3:14  (caught up)", human.out().lines().findFirst().orElseThrow(), human.toString());
        assertEquals("prefix=&progress-ms=5000", node.requests().get(1).query());
    }

    @Test
    void aDroppedStreamResumesOnTheNextNodeAfterTheLastEventSeen() throws IOException {
        // Given a node that sends a change and a progress event, then ends the stream without an error
        FakeNode first = node((exchange, n) -> {
            OutputStream s = stream(exchange);
            send(s, change("3:11", PUT) + "event: progress\nid: 0:5,3:11\ndata: " + PROGRESS + "\n\n");
        });
        // And a second node that goes on from there
        FakeNode second = node((exchange, n) -> {
            OutputStream s = stream(exchange);
            send(s, change("0:5,3:12", APPEND));
            nodes.get(1).hold();
        });

        // When kv watch, started from the beginning of the log, sees two changes
        KvRun run = KvRun.of("watch", "--from", "0", "--max-events", "2", "-H", first.url() + "," + second.url());

        // Then the second node was asked to resume after the progress event's position, without from=0
        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        assertEquals(List.of("put     app/a=1  (version 12, 3:11)", "append  app/a+=2\\n  (version 13, 3:12)"),
                run.out().lines().toList());
        FakeNode.Request resumed = second.requests().get(0);
        assertEquals("0:5,3:11", resumed.lastEventId());
        assertEquals("prefix=&progress-ms=5000", resumed.query());
        assertEquals("prefix=&from=0&progress-ms=5000", first.requests().get(0).query());
        assertEquals(1, first.requests().size());
        assertEquals("watch: stream from " + first.url() + " dropped (closed by the node); resuming after 0:5,3:11",
                run.err().strip());
    }

    @Test
    void aWatcherTooSlowOrANodeStoppingIsADropResumedAfterTheLastEventSeen() throws IOException {
        // Given a node that sends a change, then ends the stream as the node does for a slow client
        FakeNode first = node((exchange, n) -> send(stream(exchange), change("3:11", PUT)
                + "event: error\ndata: {\"error\":\"WATCHER_TOO_SLOW\",\"message\":\"fell behind\"}\n\n"));
        FakeNode second = node((exchange, n) -> {
            send(stream(exchange), change("3:12", APPEND));
            nodes.get(1).hold();
        });

        // When kv watch sees two changes
        KvRun run = KvRun.of("watch", "--max-events", "2", "-H", first.url() + "," + second.url());

        // Then it resumed after the first change instead of ending with the error
        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        assertEquals(2, run.out().lines().count(), run.toString());
        assertEquals("3:11", second.requests().get(0).lastEventId());
        assertTrue(run.err().contains("WATCHER_TOO_SLOW: fell behind"), run.err());
    }

    @Test
    void anErrorEventEndsTheWatchWithExit1() throws IOException {
        FakeNode node = node((exchange, n) -> send(stream(exchange), change("3:11", PUT)
                + "event: error\ndata: {\"error\":\"INTERNAL\",\"message\":\"this watch stopped receiving changes\"}\n\n"));

        KvRun run = KvRun.of("watch", "-H", node.url());

        assertEquals(ExitCode.FAILED, run.exitCode(), run.toString());
        assertEquals("put     app/a=1  (version 12, 3:11)", run.out().strip());
        assertEquals("kv: the node ended the watch: INTERNAL: this watch stopped receiving changes",
                run.err().strip());
        assertEquals(1, node.requests().size());
    }

    @Test
    void aRefusedWatchIsAnErrorAndNoStream() throws IOException {
        FakeNode node = FakeNode.replying(400, "{\"error\":\"BAD_REQUEST\",\"message\":\"from: not a position: 'x'\"}");
        nodes.add(node);

        KvRun run = KvRun.of("watch", "--from", "x", "-H", node.url());

        assertEquals(ExitCode.USAGE, run.exitCode(), run.toString());
        assertEquals("kv: from: not a position: 'x'", run.err().strip());
    }

    @Test
    void aWatchNoNodeOpensIsUnreachableAtOnce() throws IOException {
        String dead = deadUrl();

        KvRun run = KvRun.of("watch", "-H", dead);

        assertEquals(ExitCode.UNREACHABLE, run.exitCode(), run.toString());
        assertEquals("kv: no node answered; tried " + dead + " (connection refused)", run.err().strip());
    }

    @Test
    void timeoutEndsTheWatchAndFailsItOnlyIfFewerChangesCameThanAskedFor() throws IOException {
        FakeNode node = node((exchange, n) -> {
            send(stream(exchange), change("3:11", PUT));
            nodes.get(0).hold();
        });

        KvRun enough = KvRun.of("watch", "--timeout", "1s", "-H", node.url());
        KvRun tooFew = KvRun.of("watch", "--timeout", "1s", "--max-events", "2", "-H", node.url());

        assertEquals(ExitCode.OK, enough.exitCode(), enough.toString());
        assertEquals("put     app/a=1  (version 12, 3:11)", enough.out().strip());
        assertEquals(ExitCode.FAILED, tooFew.exitCode(), tooFew.toString());
        assertEquals("kv: 1 of 2 changes within 1s", tooFew.err().strip());
    }

    @Test
    void badOptionsAreUsageErrors() {
        KvRun both = KvRun.of("watch", "app/", "--key", "k", "-H", "127.0.0.1:1");
        assertEquals(ExitCode.USAGE, both.exitCode(), both.toString());
        assertEquals("kv: give a PREFIX or --key, not both", both.err().strip());

        KvRun timeout = KvRun.of("watch", "--timeout", "soon", "-H", "127.0.0.1:1");
        assertEquals(ExitCode.USAGE, timeout.exitCode(), timeout.toString());
        assertTrue(timeout.err().contains("not a duration: 'soon'"), timeout.toString());

        KvRun none = KvRun.of("watch", "--max-events", "0", "-H", "127.0.0.1:1");
        assertEquals(ExitCode.USAGE, none.exitCode(), none.toString());
    }

    private FakeNode node(FakeNode.Handler handler) throws IOException {
        FakeNode node = FakeNode.start(handler);
        nodes.add(node);
        return node;
    }

    /** A URL on 127.0.0.1 nobody listens on: a port that was free a moment ago. */
    private static String deadUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }
}
