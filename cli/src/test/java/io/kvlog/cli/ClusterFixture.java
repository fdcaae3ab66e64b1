package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import io.kvlog.kafka.internal.JavaProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * One local cluster for one integration test class: started with {@code kv up} in a fresh
 * directory under {@code target/}, stopped with {@code kv down}, after which no broker or node
 * process it ever had may be alive. Also the HTTP calls tests make to its nodes.
 */
final class ClusterFixture {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    final Path data;
    private final Map<Integer, String> urls = new TreeMap<>();
    /** Every process as pid and the path on its command line (a pid alone may be reused). */
    private final Set<Map.Entry<Long, String>> processes = ConcurrentHashMap.newKeySet();

    private ClusterFixture(Path data) {
        this.data = data;
    }

    /** {@code kv up ARGS} in a new directory named {@code name-…} under {@code target/}. */
    static ClusterFixture up(String name, String... upArgs) throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        ClusterFixture cluster = new ClusterFixture(Files.createTempDirectory(target, name + "-"));
        String[] args = new String[upArgs.length + 1];
        args[0] = "up";
        System.arraycopy(upArgs, 0, args, 1, upArgs.length);
        KvRun up = cluster.kv(args);
        cluster.recordPids();
        assertEquals(ExitCode.OK, up.exitCode(), up.toString());
        for (NodeState node : cluster.nodes().nodes()) {
            cluster.urls.put(node.id(), node.url());
        }
        return cluster;
    }

    /** {@code kv down}, then checks that no process the cluster had is alive. */
    void down() {
        recordPids();
        KvRun down = kv("down");
        assertEquals(ExitCode.OK, down.exitCode(), down.toString());
        assertFalse(processes.isEmpty(), "no process recorded");
        for (Map.Entry<Long, String> process : processes) {
            assertFalse(JavaProcess.isAlive(process.getKey(), process.getValue()),
                    "pid " + process.getKey() + " (" + process.getValue() + ") still alive after kv down");
        }
    }

    /** Runs {@code kv ARGS --data DIR} in-process, and remembers any process it started. */
    KvRun kv(String... args) {
        String[] withData = Arrays.copyOf(args, args.length + 2);
        withData[args.length] = "--data";
        withData[args.length + 1] = data.toString();
        KvRun run = KvRun.of(withData);
        recordPids();
        return run;
    }

    /** The node ids, in ascending order. */
    Set<Integer> nodeIds() {
        return urls.keySet();
    }

    String url(int node) {
        return urls.get(node);
    }

    String bootstrapServers() {
        return LocalKafkaCluster.open(data).bootstrapServers();
    }

    /** A fresh view of the nodes: the state file changes as {@code kv} commands start them. */
    LocalNodes nodes() {
        return new LocalNodes(LocalKafkaCluster.open(data));
    }

    void recordPids() {
        if (!LocalKafkaCluster.exists(data)) {
            return;
        }
        LocalKafkaCluster cluster = LocalKafkaCluster.open(data);
        LocalNodes nodes = new LocalNodes(cluster);
        cluster.brokers().stream().filter(b -> b.pid() > 0)
                .forEach(b -> processes.add(Map.entry(b.pid(), cluster.configFile(b.id()).toString())));
        cluster.state().nodes().stream().filter(n -> n.pid() > 0)
                .forEach(n -> processes.add(Map.entry(n.pid(), nodes.stateDir(n.id()).toString())));
    }

    // ---------------------------------------------------------------- HTTP

    /** A node's answer: {@code status} -1 when it did not answer in time ({@code error} says why). */
    record Reply(int status, JsonNode body, String error, HttpResponse<String> response) {
        boolean acked() {
            return status == 200 && body != null && "OperationAck".equals(body.path("result").asText());
        }

        /** The value a read or an append answered; null if none. */
        String value() {
            return body != null && body.path("value").isTextual() ? body.path("value").textValue() : null;
        }

        long version() {
            return body == null ? -1 : body.path("version").asLong(-1);
        }

        /** A read answered: found or not found. */
        boolean answered() {
            return status == 200 || status == 404;
        }

        @Override
        public String toString() {
            return status < 0 ? "no answer (" + error + ")" : status + " " + body;
        }
    }

    Reply put(int node, String key, String value, String id, String wait) {
        return send(HttpRequest.newBuilder(uri(node, "/v1/kv/" + encode(key) + "?id=" + id + "&wait=" + wait))
                .PUT(HttpRequest.BodyPublishers.ofString(value, StandardCharsets.UTF_8)));
    }

    Reply append(int node, String key, String suffix, String id) {
        return send(HttpRequest.newBuilder(uri(node, "/v1/kv/" + encode(key) + "/append?id=" + id))
                .POST(HttpRequest.BodyPublishers.ofString(suffix, StandardCharsets.UTF_8)));
    }

    Reply get(int node, String key) {
        return send(HttpRequest.newBuilder(uri(node, "/v1/kv/" + encode(key) + "?consistency=linearizable")).GET());
    }

    /** GET {@code pathAndQuery} of a node. */
    Reply get(int node, String pathAndQuery, Object... args) {
        return send(HttpRequest.newBuilder(uri(node, String.format(pathAndQuery, args))).GET());
    }

    /** GET /v1/node, which must answer 200. */
    JsonNode nodeInfo(int node) {
        Reply reply = send(HttpRequest.newBuilder(uri(node, "/v1/node")).GET());
        assertEquals(200, reply.status(), "GET /v1/node of node " + node + ": " + reply);
        return reply.body();
    }

    Reply send(HttpRequest.Builder request) {
        return send(request, true);
    }

    /** Sends {@code request}; its body is read as JSON only if {@code json} (else {@link Reply#body} is null). */
    Reply send(HttpRequest.Builder request, boolean json) {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            JsonNode body = !json || response.body().isEmpty() ? null : JSON.readTree(response.body());
            return new Reply(response.statusCode(), body, null, response);
        } catch (IOException e) {
            return new Reply(-1, null, e.toString(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(-1, null, "interrupted", null);
        }
    }

    URI uri(int node, String pathAndQuery) {
        return URI.create(urls.get(node) + pathAndQuery);
    }

    static String encode(String key) {
        return io.kvlog.client.internal.Transport.encode(key);
    }

    static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within " + timeout.toSeconds() + " s: " + what);
            LocalNodes.sleep(250);
        }
    }
}
