package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client's failover between nodes, against fake nodes on 127.0.0.1 and a port nobody listens on. */
class KvClientTest {

    private static final String ACK = "{\"result\":\"OperationAck\",\"id\":\"x\",\"key\":\"k\",\"version\":1,\"token\":\"t\"}";
    private static final String NOT_READY = "{\"error\":\"NOT_READY\",\"message\":\"node-1 is not ready: shutting down\"}";
    private static final String OVERLOADED = "{\"error\":\"OVERLOADED\",\"message\":\"more than 64 writes in flight\"}";

    private final List<FakeNode> fakes = new ArrayList<>();
    private final List<String> notices = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopFakes() {
        fakes.forEach(FakeNode::close);
    }

    @Test
    void aWriteRefusedByTheFirstNodeGoesToTheNextWithAnIdOfItsOwn() throws IOException {
        // Given a dead node first, then a live one
        String dead = deadUrl();
        FakeNode live = fake(200, ACK);
        KvClient client = new KvClient(List.of(dead, live.url()), notices::add);

        // When a write without an id is sent
        KvClient.Reply reply = client.put("k", "v", Map.of());

        // Then the live node got it, with a UUID the client made, and the user was told once
        assertEquals(200, reply.status());
        assertEquals(1, live.requests().size(), live.requests().toString());
        assertTrue(idOf(live.requests().get(0).query()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
                live.requests().toString());
        assertEquals(List.of("node " + dead + " did not answer (connection refused); trying " + live.url()), notices);
        assertEquals(live.url(), client.baseUrl());
    }

    @Test
    void aWriteTheFirstNodeIsNotReadyForIsRetriedOnTheNextWithTheSameId() throws IOException {
        // Given a node that answers 503 NOT_READY, then one that acks
        FakeNode shuttingDown = fake(503, NOT_READY);
        FakeNode live = fake(200, ACK);
        KvClient client = new KvClient(List.of(shuttingDown.url(), live.url()), notices::add);

        // When a write without an id is sent
        client.delete("k", Map.of("wait", "applied"));

        // Then both nodes saw the same id, and the next request starts at the node that answered
        String id = idOf(shuttingDown.requests().get(0).query());
        assertEquals(id, idOf(live.requests().get(0).query()));
        assertTrue(shuttingDown.requests().get(0).query().contains("wait=applied"), shuttingDown.requests().toString());
        assertEquals(List.of("node " + shuttingDown.url() + " did not answer (503 node-1 is not ready: shutting down);"
                + " trying " + live.url()), notices);
        client.get("k", Map.of());
        assertEquals(1, shuttingDown.requests().size());
        assertEquals(2, live.requests().size());
    }

    @Test
    void aGivenIdIsKept() throws IOException {
        FakeNode live = fake(200, ACK);
        KvClient client = new KvClient(List.of(live.url()), notices::add);

        client.append("k", "x", Map.of("id", "mine-1"));

        assertEquals("mine-1", idOf(live.requests().get(0).query()));
    }

    @Test
    void anOverloadedNodeAnswers() throws IOException {
        // Given a node that is overloaded (503, but not "not ready") before a live one
        FakeNode overloaded = fake(503, OVERLOADED);
        FakeNode live = fake(200, ACK);
        KvClient client = new KvClient(List.of(overloaded.url(), live.url()), notices::add);

        // Then its reply is the caller's: no failover
        assertEquals(503, client.put("k", "v", Map.of()).status());
        assertTrue(live.requests().isEmpty());
        assertTrue(notices.isEmpty(), notices.toString());
    }

    @Test
    void whenNoNodeAnswersTheClientIsUnreachableAndSaysWhatItTried() throws IOException {
        String first = deadUrl();
        FakeNode notReady = fake(503, NOT_READY);
        KvClient client = new KvClient(List.of(first, notReady.url()), notices::add);

        KvException e = assertThrows(KvException.class, () -> client.get("k", Map.of()));

        assertEquals(ExitCode.UNREACHABLE, e.exitCode());
        assertEquals("no node answered; tried " + first + " (connection refused), " + notReady.url()
                + " (503 node-1 is not ready: shutting down)", e.getMessage());
        assertEquals(1, notices.size(), notices.toString());
    }

    @Test
    void theCommandsTakeAListOfUrlsAndExitWith3WhenAllAreDown() throws IOException {
        String a = deadUrl();
        String b = deadUrl();

        KvRun run = KvRun.of("put", "-H", a + "," + b.replace("http://", ""), "k", "v");

        assertEquals(ExitCode.UNREACHABLE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("node " + a + " did not answer (connection refused); trying " + b), run.toString());
        assertTrue(run.err().contains("kv: no node answered; tried " + a + " (connection refused), " + b), run.toString());
    }

    @Test
    void theCommandsPrintTheReplyOfTheNodeThatAnswered() throws IOException {
        String dead = deadUrl();
        FakeNode live = fake(200, ACK);

        KvRun run = KvRun.of("put", "-H", dead + ", " + live.url() + "/", "k", "v");

        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        assertEquals("OK version 1 (token t)", run.out().strip());
        assertEquals("node " + dead + " did not answer (connection refused); trying " + live.url(), run.err().strip());
    }

    @Test
    void urlListsAreTrimmedAndGetAScheme() {
        assertEquals(List.of("http://127.0.0.1:1", "https://h:2"), KvClient.parseUrls(" 127.0.0.1:1/ ,https://h:2,"));
        assertThrows(IllegalArgumentException.class, () -> KvClient.parseUrls(" , "));
    }

    private static String idOf(String query) {
        Matcher m = Pattern.compile("(?:^|&)id=([^&]*)").matcher(query);
        return m.find() ? m.group(1) : null;
    }

    /** A URL on 127.0.0.1 nobody listens on: a port that was free a moment ago. */
    private static String deadUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    /** A node on a free port that answers every request with {@code status} and {@code body}. */
    private FakeNode fake(int status, String body) throws IOException {
        FakeNode node = FakeNode.replying(status, body);
        fakes.add(node);
        return node;
    }
}
