package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class KvEventsTest {

    private static String json(ProducerRecord<byte[], byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    private static Event decoded(ProducerRecord<byte[], byte[]> record) {
        return assertInstanceOf(EventCodec.Valid.class, EventCodec.decode(record.value()), json(record)).event();
    }

    private static String rejected(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    @Test
    void anInsertIsKeyedByTheUtf8KeyAndCarriesTheEventJson() {
        // Given a non-ASCII key and a value with quotes
        String key = "user:ключ";

        // When an insert with an id is built
        ProducerRecord<byte[], byte[]> record = KvEvents.insert(key, "say \"hi\"", "import-1");

        // Then it goes to kv.events, keyed by the key's UTF-8 bytes, with the event as its JSON value
        assertEquals("kv.events", record.topic());
        assertArrayEquals(key.getBytes(StandardCharsets.UTF_8), record.key());
        assertEquals("{\"v\":1,\"type\":\"Insert\",\"id\":\"import-1\",\"value\":\"say \\\"hi\\\"\"}", json(record));
        // And the partition is left to the producer's default partitioner
        assertNull(record.partition());
    }

    @Test
    void theDefaultPartitionerPutsARecordWhereANodeLooksForItsKey() {
        // Given records for keys of every width of UTF-8
        for (String key : new String[] {"a", "user:42", "ключ", "😀", "x".repeat(1024)}) {
            // When the producer's default partitioner places one among 12 partitions
            int placed = BuiltInPartitioner.partitionForKey(KvEvents.remove(key, null).key(), 12);
            // Then it is the partition a node's read index and versions use for that key
            assertEquals(Topics.partitionOf(key, 12), placed, key);
        }
    }

    @Test
    void anEventWithoutAnIdHasNoIdField() {
        // When an append is built with a null id
        ProducerRecord<byte[], byte[]> record = KvEvents.append("log", "x;", null);

        // Then its JSON has no "id" (applied every time, never deduplicated)
        assertEquals("{\"v\":1,\"type\":\"Append\",\"value\":\"x;\"}", json(record));
        assertNull(decoded(record).id());
    }

    @Test
    void removesAndConditionsAreEncodedAsTheNodesDecodeThem() {
        // When a remove and conditional writes are built
        ProducerRecord<byte[], byte[]> remove = KvEvents.remove("k", "r-1");
        ProducerRecord<byte[], byte[]> removeIfPresent = KvEvents.remove("k", "r-2", Expect.exists(true));
        ProducerRecord<byte[], byte[]> insertIfAbsent = KvEvents.insert("k", "v", "i-1", Expect.version(0));
        ProducerRecord<byte[], byte[]> appendAtVersion = KvEvents.append("k", "+", null, Expect.version(7));

        // Then each is the JSON DESIGN.md specifies, and decodes to the same event
        assertEquals("{\"v\":1,\"type\":\"Remove\",\"id\":\"r-1\"}", json(remove));
        assertEquals("{\"v\":1,\"type\":\"Remove\",\"id\":\"r-2\",\"expect\":{\"exists\":true}}", json(removeIfPresent));
        assertEquals("{\"v\":1,\"type\":\"Insert\",\"id\":\"i-1\",\"value\":\"v\",\"expect\":{\"version\":0}}",
                json(insertIfAbsent));
        assertEquals(Event.remove("r-2").expecting(Expect.exists(true)), decoded(removeIfPresent));
        assertEquals(Event.insert("i-1", "v").expecting(Expect.version(0)), decoded(insertIfAbsent));
        assertEquals(new Event(EventType.Append, null, "+", Expect.version(7)), decoded(appendAtVersion));
    }

    @Test
    void badInputIsRefusedWithAMessageQuotingIt() {
        // Then keys, ids and values outside the contract are refused before anything is produced
        assertEquals("key: must be 1-1024 bytes of UTF-8, got 0 bytes: ''", rejected(() -> KvEvents.remove("", "a")));
        assertEquals("key: must be 1-1024 bytes of UTF-8, got null", rejected(() -> KvEvents.insert(null, "v", "a")));
        assertEquals("key: must not contain control characters, got U+0009 at index 1 in 'a\\u0009b'",
                rejected(() -> KvEvents.insert("a\tb", "v", "a")));
        assertTrue(rejected(() -> KvEvents.remove("k".repeat(1025), null))
                .startsWith("key: must be 1-1024 bytes of UTF-8, got 1025 bytes: 'kkk"));
        assertEquals("id: must be 1-128 chars of [A-Za-z0-9._:-], got 'a b'",
                rejected(() -> KvEvents.insert("k", "v", "a b")));
        assertEquals("id: must be 1-128 chars of [A-Za-z0-9._:-], got ''", rejected(() -> KvEvents.remove("k", "")));
        assertEquals("value: must be UTF-8 text, got null", rejected(() -> KvEvents.insert("k", null, "a")));
        assertEquals("value: must be UTF-8 text, got null", rejected(() -> KvEvents.append("k", null, "a")));
        assertEquals("value: must be valid UTF-8 text, got an unpaired surrogate at index 1 in 'x\ud800'",
                rejected(() -> KvEvents.append("k", "x\ud800", "a")));
        assertTrue(rejected(() -> KvEvents.insert("k", "v".repeat(Validation.DEFAULT_MAX_VALUE_BYTES + 1), "a"))
                .startsWith("value: must be at most 1048576 bytes of UTF-8, got 1048577 bytes: 'vvv"));
        assertEquals("bootstrapServers: must be host:port[,host:port…], got ' '",
                rejected(() -> KvEvents.producerConfig(" ")));
    }

    @Test
    void aValueOfTheLargestSizeIsAccepted() {
        // Given a value of exactly the default max-value-bytes, in 2-byte characters
        String largest = "é".repeat(Validation.DEFAULT_MAX_VALUE_BYTES / 2);

        // When an insert is built, Then it carries the whole value
        assertEquals(largest, decoded(KvEvents.insert("k", largest, null)).value());
        // And record() leaves a larger value to the caller (a cluster with a larger max-value-bytes)
        String larger = largest + "x";
        assertEquals(larger, decoded(KvEvents.record("k", Event.insert(null, larger))).value());
    }

    @Test
    void theProducerConfigIsWhatTheLogRequiresAndAProducerAcceptsIt() {
        // When the producer config is built
        Map<String, Object> config = KvEvents.producerConfig("127.0.0.1:1");

        // Then it holds DESIGN.md's settings and sizes requests for the largest event
        assertEquals("all", config.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("true", config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("5", config.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION));
        assertEquals(Integer.toString(Topics.maxEventBytes(Validation.DEFAULT_MAX_VALUE_BYTES)),
                config.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        // And it is a new map the caller may add its own client settings to
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "kv-events-test");
        assertNull(KvEvents.producerConfig("127.0.0.1:1").get(ProducerConfig.CLIENT_ID_CONFIG));
        // And a KafkaProducer of byte arrays is built from it as it is (no broker needed to build one)
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            producer.close(Duration.ZERO);
        }
    }
}
