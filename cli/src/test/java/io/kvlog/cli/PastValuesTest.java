package io.kvlog.cli;

import io.kvlog.client.HistoryPage;
import io.kvlog.client.KeyVersion;
import java.util.Optional;
import java.util.OptionalLong;
import io.kvlog.client.testing.FakeNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code kv history} and {@code kv get --version|--as-of}, against a fake node. */
class PastValuesTest {

    private static final String PAGE = "{\"key\":\"k\",\"items\":["
            + "{\"version\":14,\"type\":\"delete\",\"value\":null,\"id\":null,\"time\":\"2026-12-02T06:00:02Z\"},"
            + "{\"version\":13,\"type\":\"append\",\"value\":\"12\",\"id\":\"req-7\",\"time\":\"2026-12-02T06:00:01Z\"},"
            + "{\"version\":12,\"type\":\"put\",\"value\":\"1\",\"id\":\"req-6\",\"time\":\"2026-12-02T06:00:00.123Z\"}"
            + "],\"next\":12}";
    private static final String GOT = "{\"result\":\"GetResult\",\"key\":\"k\",\"value\":\"12\",\"version\":13,"
            + "\"token\":\"3:12\",\"id\":null}";
    private static final String DELETED = "{\"result\":\"GetResult\",\"key\":\"k\",\"value\":null,\"version\":14,"
            + "\"token\":\"3:13\",\"id\":null,\"reason\":\"version 14 of k is a delete\"}";

    private final List<FakeNode> nodes = new ArrayList<>();

    @AfterEach
    void stopNodes() {
        nodes.forEach(FakeNode::close);
    }

    @Test
    void historyIsATableNewestFirstAndSaysHowToGetTheNextPage() throws IOException {
        FakeNode node = node(200, PAGE);

        KvRun run = KvRun.of("history", "k", "--limit", "3", "-H", node.url());

        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        assertEquals(List.of(
                "VERSION  TYPE    TIME                      ID     VALUE",
                "14       delete  2026-12-02T06:00:02Z      -      -",
                "13       append  2026-12-02T06:00:01Z      req-7  12",
                "12       put     2026-12-02T06:00:00.123Z  req-6  1",
                "(older versions: kv history k --limit 3 --before 12)"), run.out().lines().toList());
        assertEquals("/v1/kv/k/history", node.requests().get(0).path());
        assertEquals("consistency=linearizable&limit=3", node.requests().get(0).query());
    }

    @Test
    void historyAsksForTheNextPageAndPrintsItsJson() throws IOException {
        String last = "{\"key\":\"a b/c\",\"items\":[],\"next\":null}";
        FakeNode node = node(200, last);

        KvRun run = KvRun.of("history", "a b/c", "--before", "12", "-H", node.url());
        KvRun json = KvRun.of("history", "a b/c", "--json", "-H", node.url());

        assertEquals("(no versions)", run.out().strip(), run.toString());
        assertEquals("/v1/kv/a%20b%2Fc/history", node.requests().get(0).path());
        assertEquals("consistency=linearizable&before=12", node.requests().get(0).query());
        assertEquals(last, json.out().strip());
        assertEquals("consistency=linearizable", node.requests().get(1).query());
    }

    @Test
    void historyHintQuotesAKeyTheShellWouldSplit() throws IOException {
        HistoryPage page = new HistoryPage("it's a key", List.of(new KeyVersion(3, "put", Optional.of("x"), null, null)),
                OptionalLong.of(2));
        String text = ClientCommands.history(page, "it's a key", null);

        assertEquals("(older versions: kv history 'it'\\''s a key' --before 2)", text.lines().reduce((a, b) -> b).orElseThrow());
        assertTrue(text.contains("3        put   -     -   x"), text);
    }

    @Test
    void getAtAVersionOrATimeAsksForIt() throws IOException {
        FakeNode node = node(200, GOT);

        KvRun version = KvRun.of("get", "k", "--version", "13", "-H", node.url());
        KvRun asOf = KvRun.of("get", "k", "--as-of", "2026-12-02T06:00:01.5Z", "-H", node.url());
        Instant before = Instant.now();
        KvRun ago = KvRun.of("get", "k", "--as-of", "-5m", "-H", node.url());

        assertEquals(ExitCode.OK, version.exitCode(), version.toString());
        assertEquals("12", version.out().strip());
        assertEquals("version=13", node.requests().get(0).query());
        assertEquals("as-of=2026-12-02T06%3A00%3A01.500Z", node.requests().get(1).query());
        Instant sent = Instant.parse(node.requests().get(2).query().substring("as-of=".length()).replace("%3A", ":"));
        assertTrue(!sent.isBefore(before.minus(Duration.ofMinutes(5)))
                && !sent.isAfter(Instant.now().minus(Duration.ofMinutes(5))), sent.toString());
    }

    @Test
    void aVersionThatHoldsNoValueIsNotFoundWithTheNodesReason() throws IOException {
        FakeNode node = node(404, DELETED);

        KvRun run = KvRun.of("get", "k", "--version", "14", "-H", node.url());

        assertEquals(ExitCode.FAILED, run.exitCode(), run.toString());
        assertEquals("kv: not found: k (version 14 of k is a delete)", run.err().strip());
    }

    @Test
    void versionAndAsOfAreOneOrTheOther() {
        KvRun both = KvRun.of("get", "k", "--version", "3", "--as-of", "-5m", "-H", "127.0.0.1:1");
        assertEquals(ExitCode.USAGE, both.exitCode(), both.toString());
        assertTrue(both.err().contains("mutually exclusive"), both.toString());

        KvRun badTime = KvRun.of("get", "k", "--as-of", "yesterday", "-H", "127.0.0.1:1");
        assertEquals(ExitCode.USAGE, badTime.exitCode(), badTime.toString());
        assertTrue(badTime.err().contains("not a time: 'yesterday'"), badTime.toString());

        KvRun help = KvRun.of("get", "--help");
        assertEquals(ExitCode.OK, help.exitCode(), help.toString());
        assertTrue(help.out().contains("--as-of=TIME") && help.out().contains("--version=N"), help.toString());
    }

    private FakeNode node(int status, String body) throws IOException {
        FakeNode node = FakeNode.replying(status, body);
        nodes.add(node);
        return node;
    }
}
