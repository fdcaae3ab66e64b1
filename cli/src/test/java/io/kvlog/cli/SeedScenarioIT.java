package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The seed scenario, through the {@code kv} commands as a user types them: one node, two more
 * join, writes on one node are read on the others, a node is stopped and the client fails over to
 * the next one, a broker is killed and writes go on, a node is rebuilt from the log and its copy's
 * digests match the others'. Then the console, driven through its stdin.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SeedScenarioIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static String data;

    @BeforeAll
    static void startOneNode() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        data = Files.createTempDirectory(target, "kv-seed-").toString();
        // Given a cluster with its first node
        KvRun up = kv("up", "--nodes", "1", "--partitions", "6");
        assertEquals(ExitCode.OK, up.exitCode(), up.toString());
        assertTrue(up.out().contains("node 1: http://127.0.0.1:"), up.toString());
    }

    @AfterAll
    static void down() {
        if (data != null) {
            KvRun down = kv("down");
            assertEquals(ExitCode.OK, down.exitCode(), down.toString());
        }
    }

    @Test
    @Order(1)
    void twoMoreNodesJoinAndEveryNodeServesEveryKey() throws Exception {
        for (int expected = 2; expected <= 3; expected++) {
            KvRun join = kv("node", "join");
            assertEquals(ExitCode.OK, join.exitCode(), join.toString());
            assertTrue(join.out().contains("node " + expected + " ready at"), join.toString());
        }
        JsonNode nodes = nodeList();
        assertEquals(3, nodes.size());
        nodes.forEach(n -> assertEquals("running", n.get("state").asText(), n.toString()));
        nodes.forEach(n -> assertTrue(n.get("ready").asBoolean(), n.toString()));

        // When a key is written through node 1
        KvRun put = kv("put", "hello", "world", "-H", url(1));
        assertEquals(ExitCode.OK, put.exitCode(), put.toString());

        // Then every node reads it (linearizable by default; while the joins still rebalance the
        // group a read may answer 503, which a client retries)
        for (int node = 1; node <= 3; node++) {
            KvRun get = retried("get", "hello", "-H", url(node));
            assertEquals(ExitCode.OK, get.exitCode(), get.toString());
            assertEquals("world", get.out().strip(), "node " + node);
        }
        // update writes only keys that exist
        KvRun updateMissing = kv("update", "no-such-key", "x", "--wait", "applied");
        assertEquals(ExitCode.FAILED, updateMissing.exitCode(), updateMissing.toString());
        assertTrue(updateMissing.err().contains("precondition failed"), updateMissing.toString());

        KvRun missing = kv("get", "no-such-key");
        assertEquals(ExitCode.FAILED, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("not found"), missing.toString());
    }

    @Test
    @Order(2)
    void aClientWhoseNodeIsStoppedGoesToTheNextOne() throws Exception {
        // When node 1 is stopped
        KvRun stop = kv("node", "stop", "1");
        assertEquals(ExitCode.OK, stop.exitCode(), stop.toString());
        try {
            // Then a write sent to nodes 1,2 says node 1 did not answer and is acked by node 2, and reads too
            KvRun put = kv("put", "hello", "again", "--wait", "applied", "-H", url(1) + "," + url(2));
            assertEquals(ExitCode.OK, put.exitCode(), put.toString());
            assertTrue(put.err().contains("node " + url(1) + " did not answer (connection refused); trying " + url(2)),
                    put.toString());
            KvRun get = kv("get", "hello", "-H", url(1) + "," + url(2));
            assertEquals("again", get.out().strip(), get.toString());
        } finally {
            // And the stopped node comes back with the new value
            KvRun start = kv("node", "start", "1");
            assertEquals(ExitCode.OK, start.exitCode(), start.toString());
        }
        KvRun back = kv("get", "hello", "-H", url(1));
        assertEquals("again", back.out().strip(), back.toString());
    }

    @Test
    @Order(3)
    void writesGoOnWithABrokerKilled() {
        KvRun kill = kv("broker", "kill", "3");
        assertEquals(ExitCode.OK, kill.exitCode(), kill.toString());
        try {
            for (int i = 0; i < 20; i++) {
                // the first writes after a kill may wait out a leader election: a retry with its id is safe
                KvRun put = retried("put", "k" + i, "v" + i, "--id", "broker-down-" + i, "-H", url(1 + i % 3));
                assertEquals(ExitCode.OK, put.exitCode(), put.toString());
            }
        } finally {
            KvRun start = kv("broker", "start", "3");
            assertEquals(ExitCode.OK, start.exitCode(), start.toString());
        }
        KvRun get = kv("get", "k7", "-H", url(2));
        assertEquals("v7", get.out().strip(), get.toString());
    }

    @Test
    @Order(4)
    void aRebuiltNodeHasTheSameDigestsAsTheOthers() throws Exception {
        KvRun rebuild = kv("node", "rebuild", "2");
        assertEquals(ExitCode.OK, rebuild.exitCode(), rebuild.toString());
        assertTrue(rebuild.out().contains("node 2: rebuilt from the log: "), rebuild.toString());

        for (int partition = 0; partition < 6; partition++) {
            List<String> digests = new ArrayList<>();
            for (int node = 1; node <= 3; node++) {
                digests.add(digest(node, partition));
            }
            assertEquals(1, digests.stream().distinct().count(), "partition " + partition + ": " + digests);
        }
    }

    @Test
    @Order(5)
    void theConsoleAnswersLineByLine() throws Exception {
        Process console = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.kvlog.cli.Kv", "console", "-H", url(3), "--data", data)
                .redirectErrorStream(true).start();
        try (OutputStream in = console.getOutputStream()) {
            in.write(String.join("\n", "put fruit apple", "get fruit", "append fruit -pie", "frobnicate",
                    "use 1", "get fruit", "delete fruit", "get fruit", "quit", "").getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(console.waitFor(60, TimeUnit.SECONDS), "console did not quit");
        String out = new String(console.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, console.exitValue(), out);
        assertTrue(out.contains("apple  (version"), out);
        assertTrue(out.contains("apple-pie  OK version"), out);
        assertTrue(out.contains("unknown command 'frobnicate'"), out);
        assertTrue(out.contains("now using " + url(1)), out);
        assertTrue(out.contains("apple-pie  (version"), out);
        assertTrue(out.contains("(not found)"), out);
    }

    @Test
    @Order(6)
    void badInputGetsAMessageAndAnExitCode() {
        KvRun unknown = kv("frobnicate");
        assertEquals(ExitCode.USAGE, unknown.exitCode());
        KvRun missing = kv("put", "only-a-key");
        assertEquals(ExitCode.USAGE, missing.exitCode(), missing.toString());
        assertTrue(missing.err().contains("VALUE"), missing.toString());
        KvRun badKey = kv("put", "a\u0001b", "v");
        assertEquals(ExitCode.USAGE, badKey.exitCode(), badKey.toString());
        assertTrue(badKey.err().contains("control characters"), badKey.toString());
        KvRun unreachable = KvRun.of("get", "k", "-H", "http://127.0.0.1:1");
        assertEquals(ExitCode.UNREACHABLE, unreachable.exitCode(), unreachable.toString());
        assertTrue(unreachable.err().contains("no node answered; tried http://127.0.0.1:1 (connection refused)"),
                unreachable.toString());
    }

    /**
     * Runs a client command until it succeeds, for at most 20 s: what a client does while a node
     * catches up or a broker election runs (503 for linearizable reads, 504 for writes, both safe
     * to retry with the same id).
     */
    private static KvRun retried(String... args) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        KvRun run = kv(args);
        while (run.exitCode() == ExitCode.FAILED && System.nanoTime() < deadline) {
            LocalNodes.sleep(500);
            run = kv(args);
        }
        return run;
    }

    private static KvRun kv(String... args) {
        String[] withData = java.util.Arrays.copyOf(args, args.length + 2);
        withData[args.length] = "--data";
        withData[args.length + 1] = data;
        return KvRun.of(withData);
    }

    private static JsonNode nodeList() throws IOException {
        KvRun list = kv("node", "list", "--json");
        assertEquals(ExitCode.OK, list.exitCode(), list.toString());
        return JSON.readTree(list.out());
    }

    private static String url(int node) {
        try {
            for (JsonNode n : nodeList()) {
                if (n.get("id").asInt() == node) {
                    return n.get("url").asText();
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no node " + node);
    }

    private static String digest(int node, int partition) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(node) + "/v1/admin/digest?partition=" + partition))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertFalse(body.path("sha256").asText().isEmpty(), r.body());
        return body.path("offset").asText() + "/" + body.path("sha256").asText();
    }
}
