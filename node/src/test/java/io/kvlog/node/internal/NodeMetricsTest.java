package io.kvlog.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.node.testing.PrometheusText;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} on a router set up as a node sets up its own (metrics first, then the
 * routes), without a cluster: the HTTP server's request counts and latency buckets by route,
 * method and status, and the JVM's meters, in a scrape that a strict text-format parser takes.
 * The kvlog meters of a real node (apply counters, positions, write outcomes) are checked on a
 * real cluster by the cli module's DirectProducerIT.
 */
class NodeMetricsTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private NodeMetrics metrics;
    private Vertx vertx;
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        metrics = new NodeMetrics("node-test");
        vertx = Vertx.builder().with(metrics.vertxOptions(new VertxOptions())).withMetrics(metrics.vertxMetrics())
                .build();
        Router router = Router.router(vertx);
        Replies.install(router, new NodeIdentity("node-test", "http://127.0.0.1"));
        router.get("/metrics").handler(metrics::scrape);
        // two routes for one path, as the writer has (one notes the arrival, one handles the write)
        router.put("/v1/kv/:key").handler(ctx -> ctx.next());
        router.put("/v1/kv/:key").handler(ctx -> ctx.response().setStatusCode(200).end("{}"));
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
        metrics.close();
    }

    @Test
    void requestsAreCountedByRouteMethodAndStatusWithLatencyBuckets() throws Exception {
        // Given a first scrape
        PrometheusText before = scrape();
        double putsBefore = before.sum("vertx_http_server_requests_total",
                Map.of("route", "/v1/kv/:key", "method", "PUT", "code", "200"));

        // When 7 keys are put, and one path is not found
        for (int i = 0; i < 7; i++) {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri("/v1/kv/k" + i))
                    .PUT(HttpRequest.BodyPublishers.ofString("v")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode());
        }
        http.send(HttpRequest.newBuilder(uri("/nowhere")).GET().build(), HttpResponse.BodyHandlers.ofString());

        // Then the scrape counts the 7 puts under their route, not under each path, and times them
        PrometheusText after = scrape();
        assertEquals(putsBefore + 7, after.sum("vertx_http_server_requests_total",
                Map.of("route", "/v1/kv/:key", "method", "PUT", "code", "200")), 0.0);
        assertTrue(after.find("vertx_http_server_requests_total", Map.of("route", "/v1/kv/k0")).isEmpty(),
                "a series per key path");
        assertEquals("histogram", after.types.get("vertx_http_server_response_time_seconds"));
        double inf = after.value("vertx_http_server_response_time_seconds_bucket",
                Map.of("route", "/v1/kv/:key", "method", "PUT", "code", "200", "le", "+Inf"));
        assertEquals(putsBefore + 7, inf, 0.0);
        assertTrue(after.find("vertx_http_server_response_time_seconds_bucket",
                Map.of("route", "/v1/kv/:key", "le", "0.005")).size() == 1, "a 5 ms bucket");
        // and every series is tagged with the node, and the JVM is there
        assertTrue(after.samples.stream().allMatch(s -> "node-test".equals(s.labels().get("node"))));
        assertTrue(after.sum("jvm_memory_used_bytes", Map.of()) > 0);
        assertTrue(after.types.containsKey("jvm_gc_pause_seconds") || after.types.containsKey("jvm_gc_memory_allocated_bytes_total")
                || after.types.containsKey("jvm_gc_memory_allocated_bytes"));
        assertTrue(after.sum("jvm_threads_live_threads", Map.of()) > 0);
        assertTrue(after.types.containsKey("process_cpu_usage"));
    }

    @Test
    void theParserRefusesWhatIsNotTheTextFormat() {
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a{b=\"c} 1\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a 1\na 2\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a Infinity\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a 1\n# TYPE a counter\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("1a 1\n"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("a{b=\"1\",b=\"2\"} 1\n"));
        PrometheusText ok = PrometheusText.parse("# HELP a x\n# TYPE a histogram\na_bucket{le=\"+Inf\",q=\"\\\"\\n\"} 3 1700000000000\n"
                + "a_sum NaN\na_count 3\n");
        assertEquals("\"\n", ok.samples.get(0).labels().get("q"));
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(uri("/metrics")).timeout(Duration.ofSeconds(5))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, reply.statusCode());
        assertTrue(reply.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        return PrometheusText.parse(reply.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.actualPort() + path);
    }
}
