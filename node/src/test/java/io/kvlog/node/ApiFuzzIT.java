package io.kvlog.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kvlog.http.NodeSecurity;
import io.kvlog.http.auth.AuthFile;
import io.kvlog.http.auth.Permission;
import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.node.testing.RawHttp;
import io.kvlog.protocol.Topics;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile input to every route of one node (one broker, 3 partitions): a few thousand random and
 * adversarial requests ({@link HostileRequests}), sent one after the other over raw sockets. Every
 * reply must come within {@link #REPLY_WITHIN} and be a 2xx that is what its route answers, or a
 * 4xx with the API's JSON error ({@code error} and {@code message}) — or one of the two documented
 * 4xx results, a read's 404 {@code GetResult} and a write's 412 {@code PreconditionFailed}. No 5xx but
 * the documented 504 of a read that waits for a position never reached: the node runs with a 3 s
 * deadline, so that a write's 504 here would be a fault, not a slow machine. A request answered 4xx
 * must have appended nothing to {@code kv.events} (the end offsets of every partition are read just
 * before and after it), but for a write the log itself decided against ({@link #decidedInTheLog}).
 * At the end the node still writes and reads.
 *
 * <p>The run is named by its seed ({@code -Dkv.fuzz.seed=N} repeats one, printed at the start and
 * in every failure); {@code -Dkv.fuzz.requests=N} sets its length. The requests tried, by route and
 * by status class, are printed and written to {@code target/fuzz-counts.txt}. The node has auth on:
 * every request carries credentials drawn from the seed ({@link #CREDENTIALS}): an admin's, a
 * principal's that may touch one key prefix only, or none.
 *
 * <p>Property-based in the QuickCheck sense (random cases from generators, a reproducible seed)
 * without a library's shrinking: a failure prints the whole request.
 */
@Tag("integration")
class ApiFuzzIT {

    private static final long SEED = Long.getLong("kv.fuzz.seed", System.nanoTime());
    private static final int REQUESTS = Integer.getInteger("kv.fuzz.requests", 2500);
    private static final Duration REPLY_WITHIN = Duration.ofSeconds(10);
    private static final int PARTITIONS = 3;
    private static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Path COUNTS = Path.of("target", "fuzz-counts.txt");

    private static TestKafkaCluster kafka;
    private static Node node;
    private static Admin admin;
    private static URI base;
    private static final String ADMIN_TOKEN = AuthFile.newToken();
    private static final String NARROW_TOKEN = AuthFile.newToken();
    /**
     * The credentials of each request, drawn from the run's seed: mostly the admin's (so requests
     * reach the routes), else a principal that may read and write keys under {@code fz-1} only, else
     * none (401).
     */
    private static final Supplier<Map<String, String>> CREDENTIALS = new Supplier<>() {
        private final java.util.Random random = new java.util.Random(SEED + 1);

        @Override
        public Map<String, String> get() {
            int draw = random.nextInt(10);
            return draw < 7 ? Map.of("Authorization", "Bearer " + ADMIN_TOKEN)
                    : draw < 9 ? Map.of("Authorization", "Bearer " + NARROW_TOKEN) : Map.of();
        }
    };

    /** Requests tried: route → status class ("2xx", "4xx", …) → count. */
    private final Map<String, Map<String, Integer>> counts = new TreeMap<>();

    @BeforeAll
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    static void up() throws Exception {
        kafka = TestKafkaCluster.start(1);
        admin = kafka.cluster().admin();
        Path state = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "fuzz-node-");
        int port = io.kvlog.kafka.internal.Ports.free(1).get(0);
        // auth on: the guard in front of every route is fuzzed too
        Path authFile = state.resolve("auth.json");
        AuthFile.empty()
                .withRole("all", AuthFile.EVERYTHING)
                .withRole("narrow", Map.of(Permission.READ, List.of("fz-1"), Permission.WRITE, List.of("fz-1")))
                .withPrincipal("admin", new AuthFile.Entry(List.of("all"), List.of(AuthFile.hash(ADMIN_TOKEN)), 0))
                .withPrincipal("narrow", new AuthFile.Entry(List.of("narrow"), List.of(AuthFile.hash(NARROW_TOKEN)), 0))
                .write(authFile);
        NodeConfig config = new NodeConfig(1, "127.0.0.1", port, kafka.bootstrapServers(), state, PARTITIONS, 1,
                Duration.ofSeconds(3), Duration.ofHours(24), MAX_VALUE_BYTES, EnumSet.allOf(Role.class),
                NodeConfig.DEFAULT_NODE_TIMEOUT, 16L << 20, Map.of(), HttpLimits.defaults(),
                new NodeSecurity(authFile, ADMIN_TOKEN, 0, null));
        node = new Node(config);
        node.start(Duration.ofMinutes(2));
        base = URI.create(config.url());
    }

    @AfterAll
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    static void down() {
        if (node != null) {
            node.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void everyRouteAnswersHostileRequestsWithA4xxErrorOrACorrect2xxAndARefusalAppendsNothing() throws Exception {
        System.out.println("ApiFuzzIT: seed " + SEED + " (-Dkv.fuzz.seed=" + SEED + " repeats this run), "
                + REQUESTS + " requests");
        RawHttp http = new RawHttp(base, CREDENTIALS, null, REPLY_WITHIN);
        HostileRequests requests = new HostileRequests(SEED, MAX_VALUE_BYTES);
        long started = System.nanoTime();
        try {
            for (int i = 0; i < REQUESTS; i++) {
                // Given the log's end
                HostileRequests.Request request = requests.next();
                Map<Integer, Long> before = endOffsets();

                // When a hostile request is sent
                RawHttp.Reply reply;
                try {
                    reply = http.send(request.method(), request.target(), request.headers(), request.body());
                } catch (IOException e) {
                    throw new AssertionError(failure(i, request, "no reply: " + e), e);
                }
                count(request.route(), reply.status());

                // Then it is a correct 2xx or a 4xx with a message, and a 4xx appended nothing
                check(i, request, reply);
                if (reply.status() >= 400 && !decidedInTheLog(reply)) {
                    Map<Integer, Long> after = endOffsets();
                    assertEquals(before, after, failure(i, request, "answered " + reply + " but the log grew"));
                }
            }
        } finally {
            writeCounts(Duration.ofNanos(System.nanoTime() - started));
        }

        // And the node still writes and reads
        RawHttp admin = new RawHttp(base, () -> Map.of("Authorization", "Bearer " + ADMIN_TOKEN), null, REPLY_WITHIN);
        RawHttp.Reply put = admin.send("PUT", "/v1/kv/fuzz-after?wait=applied", List.of(),
                "still here".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, put.status(), put.toString());
        RawHttp.Reply get = admin.send("GET", "/v1/kv/fuzz-after", List.of(), null);
        assertEquals(200, get.status(), get.toString());
        assertEquals("still here", new JsonObject(get.text()).getString("value"));
    }

    /**
     * A write the log decided against when it applied it: a 412 (its precondition, checked in log
     * order) or a 409 {@code ID_IN_USE} (its id was an earlier write's to another key, so it applied
     * as that write's duplicate). Its event is in the log by design, and did nothing.
     */
    private static boolean decidedInTheLog(RawHttp.Reply reply) {
        return reply.status() == 412 || (reply.status() == 409 && reply.text().contains("\"error\":\"ID_IN_USE\""));
    }

    private static void check(int i, HostileRequests.Request request, RawHttp.Reply reply) {
        int status = reply.status();
        if (status == 504 && waitsForAPosition(request)) {
            // the documented deadline of a read that waits for a position (after=, or the applied
            // offset a wait=all write asks another node for): one past the log's end is never
            // reached, and the node cannot tell it from one produced a moment ago
            assertTrue(json(i, request, reply).getValue("error") instanceof String, failure(i, request,
                    "a 504 without error: " + reply));
            return;
        }
        if (status >= 500 || status < 200) {
            fail(failure(i, request, "answered " + reply));
        }
        if (status >= 400) {
            JsonObject body = json(i, request, reply);
            boolean readNotFound = status == 404 && "GetResult".equals(body.getString("result"))
                    && request.method().equals("GET"); // "//v1/kv/a" too: Vert.x normalises the path
            boolean preconditionFailed = status == 412 && "PreconditionFailed".equals(body.getString("result"))
                    && request.writes();
            if (!readNotFound && !preconditionFailed) {
                assertTrue(body.getValue("error") instanceof String && body.getValue("message") instanceof String
                        && !body.getString("message").isBlank(), failure(i, request, "a 4xx without error and message: "
                        + reply));
            }
        } else if (String.valueOf(reply.header("Content-Type")).startsWith("application/json")) {
            json(i, request, reply);
        } else if (request.route().equals("GET /v1/watch")) {
            assertTrue(String.valueOf(reply.header("Content-Type")).startsWith("text/event-stream"),
                    failure(i, request, "a watch answered " + reply.headers()));
        }
    }

    private static boolean waitsForAPosition(HostileRequests.Request request) {
        boolean read = request.route().startsWith("GET /v1/kv");
        return read && request.target().contains("after=")
                || request.route().equals("GET /v1/admin/applied") && request.target().contains("offset=");
    }

    /** The reply's body as a JSON object (a JSON array is wrapped): it must be one. */
    private static JsonObject json(int i, HostileRequests.Request request, RawHttp.Reply reply) {
        assertTrue(String.valueOf(reply.header("Content-Type")).startsWith("application/json"),
                failure(i, request, "not JSON: " + reply.headers() + " " + reply));
        try {
            Object body = Json.decodeValue(reply.text());
            return body instanceof JsonObject object ? object : new JsonObject().put("array", body);
        } catch (DecodeException e) {
            throw new AssertionError(failure(i, request, "not JSON: " + reply), e);
        }
    }

    private static String failure(int i, HostileRequests.Request request, String what) {
        return "request " + i + " of seed " + SEED + ": " + request + ": " + what;
    }

    private Map<Integer, Long> endOffsets() throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
        }
        Map<Integer, Long> ends = new TreeMap<>();
        admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS)
                .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
        return ends;
    }

    private void count(String route, int status) {
        // the refusals of the auth guard by their own status, the rest by class
        String kind = status == 401 || status == 403 ? Integer.toString(status) : status / 100 + "xx";
        counts.computeIfAbsent(route, r -> new TreeMap<>()).merge(kind, 1, Integer::sum);
    }

    private void writeCounts(Duration took) throws IOException {
        StringBuilder text = new StringBuilder("ApiFuzzIT seed " + SEED + ": "
                + counts.values().stream().flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum()
                + " requests in " + took.toSeconds() + " s\n");
        Map<String, Integer> total = new TreeMap<>();
        counts.forEach((route, byClass) -> {
            text.append(String.format("%-32s %6d  %s%n", route, byClass.values().stream().mapToInt(Integer::intValue)
                    .sum(), byClass));
            byClass.forEach((c, n) -> total.merge(c, n, Integer::sum));
        });
        text.append(String.format("%-32s %6d  %s%n", "all", total.values().stream().mapToInt(Integer::intValue).sum(),
                total));
        System.out.print(text);
        Files.createDirectories(COUNTS.getParent());
        Files.writeString(COUNTS, text);
    }
}
