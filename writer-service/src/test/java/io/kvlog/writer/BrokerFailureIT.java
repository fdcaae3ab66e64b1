package io.kvlog.writer;

import static io.kvlog.writer.testing.KvClient.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.kafka.testing.TestKafkaCluster;
import io.kvlog.protocol.Topics;
import io.kvlog.writer.testing.KvClient;
import io.kvlog.writer.testing.KvClient.Reply;
import io.kvlog.writer.testing.KvNodes;
import io.kvlog.writer.testing.LogReader;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deadline when the log cannot take writes: a private 3-broker cluster loses two brokers
 * (SIGKILL), writes fail with {@code OperationFailed} in about a second, and once the brokers
 * are back a retry with the same id takes effect once.
 */
@Tag("integration")
class BrokerFailureIT {

    private static final int PARTITIONS = 3;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void withTwoOfThreeBrokersDownWritesFailInAboutASecondAndASameIdRetryLaterTakesEffectOnce() {
        KvClient client = new KvClient(Duration.ofSeconds(30));
        try (TestKafkaCluster kafka = TestKafkaCluster.start(3)) {
            kafka.createEventsTopic(PARTITIONS);
            try (KvNodes nodes = KvNodes.start(kafka.bootstrapServers(), PARTITIONS, 1, "failure-it", c -> c,
                    Duration.ofSeconds(120));
                 LogReader log = new LogReader(kafka.bootstrapServers())) {
                String url = nodes.node(0).url();
                String key = "survivor";
                int partition = Topics.partitionOf(key, PARTITIONS);
                // Given a key written while all brokers were up (which also warms the path up)
                Reply first = untilAcked(() -> client.append(url, key, "before;", params("id", "before")),
                        Duration.ofSeconds(60));
                assertEquals("before;", first.str("value"));

                // When two of the three brokers are SIGKILLed
                assertTrue(kafka.cluster().killBroker(2));
                assertTrue(kafka.cluster().killBroker(3));

                // Then a PUT fails with OperationFailed and a reason, 0.8-2 s after it was sent
                Reply put = client.put(url, "lost?", "v", params("id", "put-during-outage"));
                assertFailedInAboutASecond(put, "put-during-outage");
                // and so does an append waiting for its apply
                Reply append = client.append(url, key, "during;", params("id", "append-during-outage"));
                assertFailedInAboutASecond(append, "append-during-outage");

                // When the brokers are back
                kafka.cluster().startBroker(2, Duration.ofSeconds(90), line -> System.out.println("[broker] " + line));
                kafka.cluster().startBroker(3, Duration.ofSeconds(90), line -> System.out.println("[broker] " + line));

                // Then retrying the append with the same id succeeds, and it took effect once
                Reply retried = untilAcked(() -> client.append(url, key, "during;",
                        params("id", "append-during-outage", "wait", "applied")), Duration.ofSeconds(120));
                assertEquals("before;during;", retried.str("value"));
                // and so does the PUT
                Reply putRetried = untilAcked(() -> client.put(url, "lost?", "v",
                        params("id", "put-during-outage", "wait", "applied")), Duration.ofSeconds(30));
                assertEquals("put-during-outage", putRetried.str("id"));
                // and a later append sees the element once: no late copy of the first attempt applied again
                Reply after = untilAcked(() -> client.append(url, key, "after;", params("id", "after")),
                        Duration.ofSeconds(30));
                assertEquals("before;during;after;", after.str("value"));
                long appends = log.read(partition, 0, log.endOffsets().get(partition), Duration.ofSeconds(30)).stream()
                        .filter(e -> key.equals(e.key()))
                        .filter(e -> "append-during-outage".equals(new JsonObject(e.value()).getString("id")))
                        .count();
                System.out.println("events with id append-during-outage on the log: " + appends);
                assertTrue(appends >= 1, "the retried append is not on the log");
            }
        }
    }

    private static void assertFailedInAboutASecond(Reply reply, String id) {
        assertEquals(504, reply.status(), reply.toString());
        assertEquals("OperationFailed", reply.str("result"));
        assertEquals(id, reply.str("id"));
        String reason = reply.str("reason");
        assertTrue(reason != null && !reason.isBlank(), reply.toString());
        long millis = reply.elapsed().toMillis();
        assertTrue(millis >= 800 && millis <= 2000, "replied after " + millis + " ms: " + reply);
        System.out.println("during the outage: " + reply);
    }

    private static Reply untilAcked(Supplier<Reply> send, Duration patience) {
        return KvClient.untilAcked(send, patience);
    }
}
