package io.kvlog.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The write-then-read path of one node against Kafka in Docker ({@code apache/kafka:4.3.1}).
 * Runs where a Docker engine is reachable; skipped cleanly where none is.
 */
@Tag("integration")
@Testcontainers(disabledWithoutDocker = true)
class NodeOnDockerKafkaIT {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.3.1");

    @TempDir
    Path state;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void writesAndReadsThroughOneNode() throws Exception {
        int port = io.kvlog.kafka.internal.Ports.free(1).get(0);
        // one broker: replication factor 1
        NodeConfig config = new NodeConfig(1, "127.0.0.1", port, KAFKA.getBootstrapServers(), state, 3, 1,
                Duration.ofSeconds(1), Duration.ofHours(24), 1024 * 1024, EnumSet.allOf(Role.class),
                NodeConfig.DEFAULT_NODE_TIMEOUT, 16L << 20, java.util.Map.of(), HttpLimits.defaults(), null);
        try (Node node = new Node(config)) {
            node.start(Duration.ofMinutes(2));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(config.url() + "/v1/kv/hello?wait=applied"))
                    .PUT(HttpRequest.BodyPublishers.ofString("docker")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, put.statusCode(), put.body());
            assertTrue(put.body().contains("\"result\":\"OperationAck\""), put.body());

            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(config.url() + "/v1/kv/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, get.statusCode(), get.body());
            assertTrue(get.body().contains("\"value\":\"docker\""), get.body());
        }
    }
}
