package io.kvlog.cli;

import io.kvlog.client.Consistency;
import io.kvlog.client.KvClient;
import io.kvlog.client.testing.FakeNode;
import static io.kvlog.client.testing.FakeNode.change;
import static io.kvlog.client.testing.FakeNode.send;
import static io.kvlog.client.testing.FakeNode.stream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The console's lines for past values and watches, against a fake node, without a terminal. */
class ConsoleCommandTest {

    private static final String GOT = "{\"result\":\"GetResult\",\"key\":\"k\",\"value\":\"12\",\"version\":13,"
            + "\"token\":\"3:12\",\"id\":null}";
    private static final String PUT = "{\"key\":\"app/a\",\"type\":\"put\",\"value\":\"1\",\"version\":12,"
            + "\"token\":\"3:11\",\"id\":null,\"time\":\"2026-12-02T06:00:00Z\"}";
    private static final String DELETE = "{\"key\":\"app/a\",\"type\":\"delete\",\"value\":null,\"version\":13,"
            + "\"token\":\"3:12\",\"id\":null,\"time\":\"2026-12-02T06:00:01Z\"}";

    private final List<FakeNode> nodes = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @AfterEach
    void stopNodes() {
        nodes.forEach(FakeNode::close);
    }

    @Test
    void getAtAVersionOrATime() throws IOException {
        FakeNode node = node(FakeNode.replying(200, GOT));
        ConsoleCommand console = console(node);

        assertEquals("12  (version 13, " + node.url() + ")", console.run("get k @13"));
        assertEquals("version=13", node.requests().get(0).query());
        console.run("get k @-5m");
        assertTrue(node.requests().get(1).query().matches("as-of=\\d{4}-\\d\\d-\\d\\dT.*Z"), node.requests().toString());
        assertEquals("error: expected get KEY, get KEY @VERSION or get KEY @TIME, got 'get k 13'", console.run("get k 13"));
        assertTrue(console.run("get k @soon").startsWith("error: not a time: 'soon'"));
    }

    @Test
    void aVersionWithoutAValueSaysWhy() throws IOException {
        FakeNode node = node(FakeNode.replying(404, "{\"result\":\"GetResult\",\"key\":\"k\",\"value\":null,"
                + "\"version\":0,\"reason\":\"k had no version 99\"}"));

        assertEquals("(not found: k had no version 99)", console(node).run("get k @99"));
    }

    @Test
    void historyOfTheLastNVersions() throws IOException {
        FakeNode node = node(FakeNode.replying(200, "{\"key\":\"k\",\"items\":[{\"version\":13,\"type\":\"put\","
                + "\"value\":\"12\",\"id\":null,\"time\":\"2026-12-02T06:00:01Z\"}],\"next\":12}"));
        ConsoleCommand console = console(node);

        assertEquals(String.join("\n",
                "VERSION  TYPE  TIME                  ID  VALUE",
                "13       put   2026-12-02T06:00:01Z  -   12",
                "(older versions: kv history k --limit 1 --before 12)"), console.run("history k 1"));
        assertEquals("/v1/kv/k/history", node.requests().get(0).path());
        assertEquals("consistency=linearizable&limit=1", node.requests().get(0).query());
        assertEquals("error: expected a number of versions, got 'x'", console.run("history k x"));
        assertTrue(console.run("help").contains("history KEY [N]"));
    }

    @Test
    void watchPrintsChangesUntilStopped() throws IOException {
        // Given a node that streams two changes and keeps the stream open
        FakeNode node = node(FakeNode.start((exchange, n) -> {
            send(stream(exchange), change("3:11", PUT) + change("3:12", DELETE));
            nodes.get(0).hold();
        }));
        ConsoleCommand console = console(node);

        // When the user watches app/ and presses Enter once both are printed
        String last = console.watch("app/", () -> waitFor(() -> out.toString().lines().count() == 3));

        // Then
        assertEquals(List.of("watching keys starting with app/ on " + node.url() + "; press Enter to stop",
                "put     app/a=1  (version 12, 3:11)", "delete  app/a  (version 13, 3:12)"), out.toString().lines().toList());
        assertEquals("(watch stopped)", last);
        assertEquals("prefix=app%2F&progress-ms=5000", node.requests().get(0).query());
    }

    @Test
    void aWatchTheNodeEndsSaysWhyAtOnce() throws IOException {
        FakeNode node = node(FakeNode.start((exchange, n) -> send(stream(exchange),
                "event: error\ndata: {\"error\":\"SHUTTING_DOWN\",\"message\":\"node-1 stops\"}\n\n")));
        ConsoleCommand console = console(node);

        String last = console.watch("", () -> waitFor(() -> out.toString().contains("error")));

        assertEquals(List.of("watching every key on " + node.url() + "; press Enter to stop",
                "error: the node ended the watch: SHUTTING_DOWN: node-1 stops (press Enter)"), out.toString().lines().toList());
        assertEquals("(watch ended)", last);
    }

    private ConsoleCommand console(FakeNode node) {
        return new ConsoleCommand(KvClient.builder(node.url()).discover(false).spread(false)
                .consistency(Consistency.LINEARIZABLE).notice(err::write).build(),
                new Output(new PrintWriter(out, true), new PrintWriter(err, true)));
    }

    private FakeNode node(FakeNode node) {
        nodes.add(node);
        return node;
    }

    /** Polls until {@code done}, for at most 10 s. */
    private static void waitFor(java.util.function.BooleanSupplier done) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
