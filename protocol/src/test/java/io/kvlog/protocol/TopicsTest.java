package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void partitionOfAgreesWithTheProducersDefaultPartitioner() {
        // Given keys, some of them non-ASCII
        for (String key : new String[] {"a", "user:42", "ключ", "😀", "x".repeat(1024)}) {
            // When both pick a partition among 12
            int producer = BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), 12);
            // Then they agree, so a key is read where it was written
            assertEquals(producer, Topics.partitionOf(key, 12), key);
        }
    }
}
