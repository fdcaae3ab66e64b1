package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.client.AccessDeniedException;
import io.kvlog.client.Entry;
import io.kvlog.client.KvClient;
import io.kvlog.client.NoNodeAnsweredException;
import io.kvlog.client.Op;
import io.kvlog.client.OperationAck;
import io.kvlog.client.Wait;
import io.kvlog.client.WatchEvent;
import io.kvlog.client.WatchRequest;
import io.kvlog.client.WriteOptions;
import io.kvlog.client.internal.Tls;
import io.kvlog.http.NodeSecurity;
import io.kvlog.http.auth.AuthFile;
import io.kvlog.http.auth.Permission;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.internal.Ports;
import io.kvlog.node.Node;
import io.kvlog.node.NodeConfig;
import io.kvlog.node.Role;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes with auth on and mutual TLS, on a one-broker cluster: certificates from
 * {@link Certificates} (as {@code kv tls init} makes them), an auth file with principals of
 * different reach (as {@code kv auth} writes it). Checks who gets in (TLS, tokens), what each
 * principal may do (and that a refusal appends nothing and reveals nothing), that scans and
 * watches show only readable keys, that the nodes' own calls to each other authenticate
 * ({@code wait=all}), rate limits, and that the {@code kv} command and the Java client take the
 * token and the certificates.
 */
@Tag("integration")
class HttpSecurityIT {

    private static final int PARTITIONS = 3;
    private static final Map<String, String> TOKENS = new HashMap<>();

    private static Path data;
    private static LocalKafkaCluster cluster;
    private static final List<Node> NODES = new ArrayList<>();
    private static Certificates.Issued ca;
    private static Certificates.Issued client;
    private static Certificates.Issued rogueClient;
    private static Path authFile;
    /** Raw HTTPS with the client certificate, for statuses and headers. */
    private static HttpClient http;

    @BeforeAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void up() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        data = Files.createTempDirectory(target, "kv-https-");
        Path certs = data.resolve("certs");
        ca = Certificates.authority(certs, "ca", Duration.ofDays(2));
        Certificates.Issued node = Certificates.issue(certs, "node", ca, List.of("127.0.0.1"), Duration.ofDays(1));
        client = Certificates.issue(certs, "client", ca, List.of(), Duration.ofDays(1));
        Certificates.Issued rogue = Certificates.authority(certs.resolve("rogue"), "rogue-ca", Duration.ofDays(2));
        rogueClient = Certificates.issue(certs.resolve("rogue"), "client", rogue, List.of(), Duration.ofDays(1));
        http = HttpClient.newBuilder().sslContext(Tls.context(ca.cert(), client.cert(), client.key()))
                .connectTimeout(Duration.ofSeconds(5)).build();
        authFile = data.resolve("auth.json");
        for (String name : List.of("admin", "node", "orders", "reader", "limited", "blind", "watcher", "empty")) {
            TOKENS.put(name, AuthFile.newToken());
        }
        AuthFile.empty()
                .withRole("all", AuthFile.EVERYTHING)
                .withRole("orders-rw", Map.of(Permission.READ, List.of("orders/"), Permission.WRITE, List.of("orders/")))
                .withRole("orders-ro", Map.of(Permission.READ, List.of("orders/")))
                .withPrincipal("admin", entry("admin", "all", null))
                .withPrincipal("node", entry("node", "all", 0))
                .withPrincipal("orders", entry("orders", "orders-rw", null))
                .withPrincipal("reader", entry("reader", "orders-ro", null))
                .withPrincipal("limited", entry("limited", "orders-rw", 3))
                .withRole("orders-wo", Map.of(Permission.WRITE, List.of("orders/")))
                .withPrincipal("blind", entry("blind", "orders-wo", null))
                .withPrincipal("watcher", entry("watcher", "orders-ro", null))
                .withRole("nothing", Map.of())
                .withPrincipal("empty", entry("empty", "nothing", null))
                .write(authFile);

        cluster = LocalKafkaCluster.create(LocalKafkaCluster.Spec.defaults(data).withBrokers(1)
                .withPartitions(PARTITIONS), HttpSecurityIT::log);
        cluster.startAll(Duration.ofSeconds(90), HttpSecurityIT::log);
        NodeSecurity security = new NodeSecurity(authFile, TOKENS.get("node"), 0,
                new NodeSecurity.Tls(node.cert(), node.key(), ca.cert(), ca.cert()));
        List<Integer> ports = Ports.free(2);
        for (int id = 1; id <= 2; id++) {
            Node n = new Node(new NodeConfig(id, "127.0.0.1", ports.get(id - 1), cluster.bootstrapServers(),
                    data.resolve("node-" + id), PARTITIONS, 1, Duration.ofSeconds(1), Duration.ofHours(24), 1 << 20,
                    EnumSet.allOf(Role.class), NodeConfig.DEFAULT_NODE_TIMEOUT, 16L << 20, Map.of(),
                    io.kvlog.node.HttpLimits.defaults(), security));
            NODES.add(n);
            n.start(Duration.ofSeconds(90));
            log("node " + id + " ready at " + n.config().url());
        }
        // both nodes live in each other's membership: wait=all then waits for the other node too
        try (KvClient admin = client("admin")) {
            ClusterFixture.awaitTrue("both nodes in the cluster view", Duration.ofSeconds(20),
                    () -> admin.cluster().nodes().stream().filter(n -> n.ready()).count() == 2);
        }
    }

    private static AuthFile.Entry entry(String principal, String role, Integer rate) {
        return new AuthFile.Entry(List.of(role), List.of(AuthFile.hash(TOKENS.get(principal))), rate);
    }

    @AfterAll
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    static void down() throws IOException {
        NODES.forEach(Node::close);
        if (cluster != null) {
            cluster.stopAll();
        }
        try (Stream<Path> files = Files.walk(data)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void log(String line) {
        System.out.println("[HttpSecurityIT] " + line);
    }

    private static List<String> urls() {
        return NODES.stream().map(n -> n.config().url()).toList();
    }

    /** A client of both nodes as {@code principal}, with the CA and the client certificate. */
    private static KvClient client(String principal) {
        return KvClient.builder(urls()).discover(false).token(TOKENS.get(principal)).caCert(ca.cert())
                .clientCertificate(client.cert(), client.key()).requestTimeout(Duration.ofSeconds(10)).build();
    }

    private static long logSize() throws Exception {
        try (Admin admin = cluster.admin()) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                request.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).values().stream()
                    .mapToLong(info -> info.offset()).sum();
        }
    }

    /** A raw HTTPS request to node 1 with the client certificate, for statuses and headers. */
    private static HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(urls().get(0) + path))
                .timeout(Duration.ofSeconds(10)).method(method, method.equals("PUT") ? HttpRequest.BodyPublishers.ofString("v")
                        : path.startsWith("/v1/ops") ? HttpRequest.BodyPublishers.ofString("[{\"op\":\"Get\",\"key\":\"orders/k\"}]")
                        : HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void onlyAClientWithACertificateOfTheNodesCaGetsThrough() {
        // Given nodes that serve HTTPS and require client certificates signed by their CA
        String url = urls().get(0);

        // When clients connect without TLS, without a certificate, with another CA's, or trusting another CA
        KvClient plain = KvClient.builder(url.replace("https://", "http://")).discover(false)
                .token(TOKENS.get("admin")).requestTimeout(Duration.ofSeconds(5)).build();
        KvClient noCertificate = KvClient.builder(url).discover(false).token(TOKENS.get("admin")).caCert(ca.cert())
                .requestTimeout(Duration.ofSeconds(5)).build();
        KvClient rogueCertificate = KvClient.builder(url).discover(false).token(TOKENS.get("admin")).caCert(ca.cert())
                .clientCertificate(rogueClient.cert(), rogueClient.key()).requestTimeout(Duration.ofSeconds(5)).build();
        KvClient distrustful = KvClient.builder(url).discover(false).token(TOKENS.get("admin"))
                .clientCertificate(client.cert(), client.key()).requestTimeout(Duration.ofSeconds(5)).build();

        // Then none gets an answer; the client with the right certificate does
        for (KvClient refused : List.of(plain, noCertificate, rogueCertificate, distrustful)) {
            try (refused) {
                assertThrows(NoNodeAnsweredException.class, () -> refused.get("orders/1"));
            }
        }
        try (KvClient admin = client("admin")) {
            assertFalse(admin.get("orders/never-written").value().isPresent());
        }
    }

    @Test
    void withoutAValidTokenNothingButHealthAnswers() throws Exception {
        // Given a TLS connection with a good certificate
        // When requests carry no token, or one that is no principal's
        HttpResponse<String> none = send("GET", "/v1/kv/orders%2F1", null);
        HttpResponse<String> wrong = send("PUT", "/v1/kv/orders%2F1", "kvt_not-a-token");
        HttpResponse<String> cluster = send("GET", "/v1/cluster", null);
        HttpResponse<String> health = send("GET", "/v1/health", null);

        // Then 401 with a message and a challenge, except the public health check
        assertEquals(401, none.statusCode(), none.body());
        assertTrue(none.body().contains("\"error\":\"UNAUTHENTICATED\""), none.body());
        assertEquals("Bearer realm=\"kvlog\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, wrong.statusCode(), wrong.body());
        assertFalse(wrong.body().contains("not-a-token"), "the token is never echoed: " + wrong.body());
        assertEquals(401, cluster.statusCode());
        assertEquals(200, health.statusCode());
    }

    @Test
    void aRefusedWriteAppendsNothingAndARefusedReadRevealsNothing() throws Exception {
        try (KvClient admin = client("admin"); KvClient orders = client("orders"); KvClient reader = client("reader")) {
            // Given a key outside orders/ that exists, and one that does not
            admin.put("users/existing", "secret");
            long before = logSize();

            // When principals try what their roles do not grant
            AccessDeniedException write = assertThrows(AccessDeniedException.class, () -> orders.put("users/x", "v"));
            AccessDeniedException readOnly = assertThrows(AccessDeniedException.class, () -> reader.put("orders/1", "v"));
            AccessDeniedException delete = assertThrows(AccessDeniedException.class, () -> orders.delete("users/existing"));
            AccessDeniedException batch = assertThrows(AccessDeniedException.class, () -> orders.ops(List.of(
                    Op.insert("orders/ok", "v", "batch-1"), Op.insert("users/nope", "v", "batch-2"))));
            AccessDeniedException existing = assertThrows(AccessDeniedException.class, () -> orders.get("users/existing"));
            AccessDeniedException missing = assertThrows(AccessDeniedException.class, () -> orders.get("users/missing"));
            AccessDeniedException history = assertThrows(AccessDeniedException.class,
                    () -> orders.history("users/existing", 10, 0));

            // Then each is a 403 naming the principal, the permission and the key; the log did not grow
            assertEquals(403, write.status());
            assertTrue(write.getMessage().contains("orders may not write key 'users/x'"), write.getMessage());
            assertTrue(readOnly.getMessage().contains("reader may not write key 'orders/1'"), readOnly.getMessage());
            assertEquals(403, delete.status());
            assertTrue(batch.getMessage().contains("'users/nope'"), batch.getMessage());
            assertEquals(before, logSize(), "refused writes appended nothing (the batch's allowed op neither)");
            // and a key that exists is refused exactly as one that does not
            assertEquals(withoutNode(existing.getMessage()).replace("users/existing", "K"),
                    withoutNode(missing.getMessage()).replace("users/missing", "K"));
            assertEquals(403, history.status());
            assertFalse(orders.get("orders/ok").value().isPresent());
        }
    }

    @Test
    void scansAndWatchesShowOnlyTheKeysThePrincipalMayRead() throws Exception {
        try (KvClient admin = client("admin"); KvClient reader = client("reader")) {
            // Given keys on both sides of the reader's prefix, and a reader watching every key
            List<WatchEvent.Change> seen = new CopyOnWriteArrayList<>();
            try (var watch = reader.watch(WatchRequest.all().from("now"), event -> {
                if (event instanceof WatchEvent.Change change) {
                    seen.add(change);
                }
            })) {
                ClusterFixture.awaitTrue("the watch to be open", Duration.ofSeconds(20), () -> watch.position() != null);
                for (int i = 0; i < 5; i++) {
                    admin.put("a-before/" + i, "hidden");
                    admin.put("orders/scan-" + i, "visible " + i);
                    admin.put("zz-after/" + i, "hidden");
                }

                // When it scans everything (pages of 2) and watches
                List<String> scanned = new ArrayList<>();
                for (Entry e : reader.scan("", 2, io.kvlog.client.Consistency.LINEARIZABLE)) {
                    scanned.add(e.key());
                }
                ClusterFixture.awaitTrue("5 watched changes", Duration.ofSeconds(20), () -> seen.size() >= 5);

                // Then it saw the orders/ keys only, every one of them
                assertTrue(scanned.stream().allMatch(k -> k.startsWith("orders/")), scanned.toString());
                assertTrue(scanned.containsAll(List.of("orders/scan-0", "orders/scan-4")), scanned.toString());
                assertTrue(seen.stream().allMatch(c -> c.key().startsWith("orders/")), seen.toString());
                assertEquals(5, seen.stream().filter(c -> c.key().startsWith("orders/scan-")).count(), seen.toString());
            }
            // and a watch of a prefix it may read nothing under is refused
            try (var refused = reader.watch(WatchRequest.prefix("users/"), e -> { })) {
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> refused.done().get(20, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof AccessDeniedException ad && ad.status() == 403, e.toString());
            }
        }
    }

    @Test
    void aPrincipalWithNoGrantsIsRefusedOnEveryRouteThatTouchesKeys() throws Exception {
        // Given every operation of the node's OpenAPI document, and a valid token whose roles grant nothing
        io.vertx.core.json.JsonObject api = new io.vertx.core.json.JsonObject(send("GET", "/v1/openapi.json", null).body());
        // the routes any principal may call, and those that touch no key's data
        Map<String, Integer> allowed = Map.of("GET /v1/health", 200, "GET /v1/ready", 200, "GET /v1/openapi.json", 200,
                "GET /v1/cluster", 200, "GET /v1/node", 200, "GET /metrics", 200,
                "PUT /v1/kv/", 400, "DELETE /v1/kv/", 400, "POST /v1/watch/{id}/progress", 404);
        List<String> wrong = new ArrayList<>();
        int tried = 0;

        // When it calls each one
        for (String path : api.getJsonObject("paths").fieldNames()) {
            for (String method : api.getJsonObject("paths").getJsonObject(path).fieldNames()) {
                if (!List.of("get", "put", "post", "delete").contains(method)) {
                    continue;
                }
                String operation = method.toUpperCase(java.util.Locale.ROOT) + " " + path;
                String target = path.replace("{key}", "orders%2Fk").replace("{id}", "node-1-w1")
                        + (path.equals("/v1/admin/digest") || path.equals("/v1/admin/applied") ? "?partition=0&offset=0" : "");
                HttpResponse<String> reply = send(method.toUpperCase(java.util.Locale.ROOT), target, TOKENS.get("empty"));
                tried++;
                int expected = allowed.getOrDefault(operation, 403);
                if (reply.statusCode() != expected) {
                    wrong.add(operation + " answered " + reply.statusCode() + ", expected " + expected + ": " + reply.body());
                }
            }
        }

        // Then each route that reads or writes keys (or is an admin's) refuses it; the document has them all
        assertTrue(tried >= 19, "operations tried: " + tried);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void aWriteOnlyPrincipalLearnsNothingOfTheKeysItWrites() throws Exception {
        try (KvClient admin = client("admin"); KvClient blind = client("blind")) {
            // Given a key with a value, and a principal that may write orders/ but not read it
            admin.put("orders/sealed", "the secret");

            // When it writes blindly, and then in ways whose reply would tell the key's state
            OperationAck blindPut = blind.put("orders/sealed", "overwritten");
            AccessDeniedException append = assertThrows(AccessDeniedException.class,
                    () -> blind.append("orders/sealed", ""));
            AccessDeniedException conditional = assertThrows(AccessDeniedException.class,
                    () -> blind.put("orders/sealed", "x", WriteOptions.DEFAULT.ifVersion(1)));
            AccessDeniedException applied = assertThrows(AccessDeniedException.class,
                    () -> blind.delete("orders/sealed", WriteOptions.DEFAULT.ack(Wait.APPLIED)));

            // Then the blind write is done; the others are 403s naming read, and the value is not in them
            assertTrue(blindPut.version() > 0, blindPut.toString());
            for (AccessDeniedException refused : List.of(append, conditional, applied)) {
                assertEquals(403, refused.status());
                assertTrue(refused.getMessage().contains("blind may not read key 'orders/sealed'"), refused.getMessage());
                assertFalse(refused.getMessage().contains("overwritten"), refused.getMessage());
            }
        }
    }

    @Test
    void anIdOfAWriteToAnotherKeyIsRefusedWithoutNamingThatKey() throws Exception {
        // Given a write to orders/first with an id, and another key of the same partition (ids dedupe per partition)
        String first = "orders/first";
        String other = java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "orders/other-" + i)
                .filter(k -> Topics.partitionOf(k, PARTITIONS) == Topics.partitionOf(first, PARTITIONS))
                .findFirst().orElseThrow();
        try (KvClient admin = client("admin"); KvClient orders = client("orders")) {
            admin.put(first, "first value", WriteOptions.withId("shared-id").ack(Wait.APPLIED));

            // When another principal writes the other key with the same id, waiting for its outcome
            io.kvlog.client.KvException reused = assertThrows(io.kvlog.client.KvException.class,
                    () -> orders.put(other, "v", WriteOptions.withId("shared-id").ack(Wait.APPLIED)));

            // Then 409 ID_IN_USE, with nothing of the first write in it
            assertEquals(409, reused.status(), reused.toString());
            assertEquals("ID_IN_USE", reused.error());
            assertFalse(reused.getMessage().contains(first) || reused.getMessage().contains("first value"),
                    reused.getMessage());
        }
    }

    @Test
    void aWatchEndsWhenItsPrincipalIsRemovedFromTheAuthFile() throws Exception {
        try (KvClient watcher = client("watcher")) {
            // Given an open watch of the principal watcher
            var watch = watcher.watch(WatchRequest.prefix("orders/"), e -> { });
            ClusterFixture.awaitTrue("the watch to be open", Duration.ofSeconds(20), () -> watch.position() != null);

            // When the principal is removed from the auth file (kv auth remove)
            KvRun remove = KvRun.of("auth", "remove", "watcher", "-f", authFile.toString());
            assertEquals(ExitCode.OK, remove.exitCode(), remove.toString());

            // Then its watch ends with an error naming why, within the reload time
            java.util.concurrent.ExecutionException ended = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> watch.done().get(15, TimeUnit.SECONDS));
            assertTrue(ended.getCause().getMessage().contains("no longer in the auth file"), ended.toString());
        }
    }

    @Test
    void theNodesCallEachOtherWithTheirOwnTokenAndAdminRoutesNeedAdmin() throws Exception {
        try (KvClient orders = client("orders")) {
            // When a write waits for every live node's copy (node 1 asks node 2 over mutual TLS, as node)
            OperationAck ack = orders.put("orders/everywhere", "v", WriteOptions.DEFAULT.ack(Wait.ALL));

            // Then it is acknowledged, not failed at its deadline
            assertTrue(ack.version() > 0, ack.toString());
        }
        // and the admin routes answer admins only
        assertEquals(403, send("GET", "/v1/admin/digest?partition=0", TOKENS.get("orders")).statusCode());
        assertEquals(200, send("GET", "/v1/admin/digest?partition=0", TOKENS.get("admin")).statusCode());
    }

    @Test
    void aPrincipalOverItsRateIsToldWhenToComeBack() throws Exception {
        // Given limited may send 3 requests per second
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> refused = null;

        // When it sends 10 at once
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> reply = send("GET", "/v1/kv/orders%2Fx?consistency=eventual", TOKENS.get("limited"));
            statuses.add(reply.statusCode());
            refused = reply.statusCode() == 429 ? reply : refused;
        }

        // Then the first pass, the rest are 429 with Retry-After; another principal is not slowed
        assertEquals(404, statuses.get(0), statuses.toString());
        assertTrue(refused != null, statuses.toString());
        assertTrue(refused.body().contains("RATE_LIMITED"), refused.body());
        assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
        assertEquals(404, send("GET", "/v1/kv/orders%2Fx?consistency=eventual", TOKENS.get("orders")).statusCode());
    }

    @Test
    void theKvCommandTakesTheTokenAndCertificatesAndARevokedTokenStopsWorking() throws Exception {
        // Given the kv command pointed at node 1 with the CA and the client certificate
        List<String> tls = List.of("-H", urls().get(0), "--cacert", ca.cert().toString(),
                "--client-cert", client.cert().toString(), "--client-key", client.key().toString());

        // When it writes with a token, and without one
        KvRun put = kv(tls, "put", "orders/cli", "from kv", "--token", TOKENS.get("orders"));
        KvRun get = kv(tls, "get", "orders/cli", "--token", TOKENS.get("orders"));
        KvRun anonymous = kv(tls, "get", "orders/cli");

        // Then with: done; without: refused, naming why
        assertEquals(ExitCode.OK, put.exitCode(), put.toString());
        assertEquals("from kv", get.out().strip(), get.toString());
        assertEquals(ExitCode.FAILED, anonymous.exitCode(), anonymous.toString());
        assertTrue(anonymous.err().contains("401"), anonymous.toString());

        // When the principal gets a new token (kv auth principal), the old one stops working within the reload time
        KvRun rotate = KvRun.of("auth", "principal", "reader", "-f", authFile.toString());
        assertEquals(ExitCode.OK, rotate.exitCode(), rotate.toString());
        String newToken = rotate.out().lines().reduce((a, b) -> b).orElseThrow().strip();
        ClusterFixture.awaitTrue("the old token refused", Duration.ofSeconds(10),
                () -> kv(tls, "get", "orders/cli", "--token", TOKENS.get("reader")).exitCode() == ExitCode.FAILED);
        KvRun withNew = kv(tls, "get", "orders/cli", "--token", newToken);
        assertEquals("from kv", withNew.out().strip(), withNew.toString());
        TOKENS.put("reader", newToken);
    }

    /** A refusal's message without the node that answered it: either node may. */
    private static String withoutNode(String message) {
        return message.replaceAll(" \\(403 from node-\\d\\)$", "");
    }

    private static KvRun kv(List<String> common, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(common);
        return KvRun.of(all.toArray(String[]::new));
    }

}
