package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.materializer.internal.KafkaByteStore;
import io.kvlog.materializer.internal.StoreLayout;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.Expect;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import io.kvlog.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.StampedLock;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The global-store topology driven by {@link TopologyTestDriver}: processor, store and positions together, no broker. */
class MaterializerTopologyTest {

    @TempDir
    Path stateDir;

    private final ApplyCounters counters = new ApplyCounters();
    private final AppliedPositions positions = new AppliedPositions(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ChangeFeed feed = new ChangeFeed(positions);

    private TopologyTestDriver driver() {
        MaterializerConfig config = MaterializerConfig.defaults("unused:9092", stateDir, "node-t")
                .withDedupeWindow(Duration.ofHours(1));
        Properties props = MaterializerTopology.streamsProperties(config);
        return new TopologyTestDriver(MaterializerTopology.build(config, counters, positions, new StampedLock(),
                feed, failure::set), props);
    }

    private static TestInputTopic<byte[], byte[]> events(TopologyTestDriver driver) {
        return driver.createInputTopic(Topics.EVENTS, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void pipe(TestInputTopic<byte[], byte[]> topic, String key, Event event) {
        topic.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), EventCodec.encode(event));
    }

    private static Entry entry(TopologyTestDriver driver, String key) {
        KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(MaterializerTopology.STORE);
        byte[] stored = KafkaByteStore.writable(store).get(StoreLayout.entry(key));
        return stored == null ? null : EntryCodec.decode(stored);
    }

    private static Outcome outcome(TopologyTestDriver driver, String id) {
        KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore(MaterializerTopology.STORE);
        byte[] stored = KafkaByteStore.writable(store).get(StoreLayout.outcome(0, id));
        return stored == null ? null : OutcomeCodec.decode(stored);
    }

    @Test
    void eventsAreAppliedInOrderWithVersionsFromOneAndWakeTheirWaiters() {
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<byte[], byte[]> topic = events(driver);
            // Given a writer waiting for offset 2 of partition 0
            CompletableFuture<Long> waiter = positions.await(0, 2);

            // When three events of one key are applied
            pipe(topic, "hello", Event.insert("a", "world"));
            assertFalse(waiter.isDone());
            pipe(topic, "hello", Event.append("b", "!"));
            pipe(topic, "hello", Event.insert("c", "there"));

            // Then the key holds the last value at version 3, the waiter was woken by the apply
            assertEquals(new Entry("there", 3), entry(driver, "hello"));
            assertEquals(1L, outcome(driver, "a").version());
            assertEquals("world!", outcome(driver, "b").value());
            assertTrue(waiter.isDone());
            assertEquals(2L, waiter.join());
            assertEquals(3, counters.applied());
        }
    }

    @Test
    void aRecordWithoutAKeyWritesNothingButMovesThePositionAndAMalformedOneIsCounted() {
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<byte[], byte[]> topic = events(driver);
            // When a record with no key and one that is not an event arrive, then a valid event
            pipe(topic, null, Event.insert("a", "v"));
            topic.pipeInput("k".getBytes(StandardCharsets.UTF_8), "not an event".getBytes(StandardCharsets.UTF_8));
            pipe(topic, "k", Event.insert("b", "v"));

            // Then both are skipped and counted, the position is past them, the valid event applied at version 3
            assertEquals(1, counters.noKey());
            assertEquals(1, counters.malformed());
            assertEquals(2L, positions.applied(0));
            assertNull(outcome(driver, "a"));
            assertEquals(new Entry("v", 3), entry(driver, "k"));
            assertNull(failure.get());
        }
    }

    @Test
    void theFeedGetsEveryAppliedRecordAfterItsStartAndOnlyChangesCarryAChange() {
        try (TopologyTestDriver driver = driver()) {
            TestInputTopic<byte[], byte[]> topic = events(driver);
            // Given one event applied before a subscriber
            pipe(topic, "k", Event.insert("a", "v1"));
            java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (ChangeFeed.Subscription subscription = feed.subscribe((partition, offset, change) -> seen.add(
                    offset + ":" + (change == null ? "-" : change.type().label() + " " + change.key() + "="
                            + change.value() + " v" + change.version() + " id " + change.id())))) {
                assertEquals(0L, subscription.start()[0]);

                // When a duplicate, an append, a failed condition, removes of a present and an absent key, and an event without id follow
                pipe(topic, "k", Event.insert("a", "again"));
                pipe(topic, "k", Event.append("b", "+"));
                pipe(topic, "k", Event.insert("c", "x").expecting(new Expect(7L, null)));
                pipe(topic, "k", Event.remove("d"));
                pipe(topic, "gone", Event.remove("e"));
                pipe(topic, "k", Event.insert(null, "v2"));
            }
            pipe(topic, "k", Event.insert("f", "after close"));

            // Then the subscriber saw every record after its start once, and changes only for what changed
            assertEquals(java.util.List.of("1:-", "2:append k=+ v3 id b", "3:-", "4:delete k=null v5 id d", "5:-",
                    "6:put k=v2 v7 id null"), seen);
            assertEquals(0, feed.subscribers());
        }
    }
}
