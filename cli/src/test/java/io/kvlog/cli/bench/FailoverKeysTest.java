package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kvlog.protocol.Topics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailoverKeysTest {

    @Test
    void oneKeyInEachWantedPartition() {
        Map<Integer, String> keys = FailoverScenario.keysFor(List.of(0, 5, 11), 12);

        assertEquals(List.of(0, 5, 11), List.copyOf(keys.keySet()));
        keys.forEach((partition, key) -> assertEquals((int) partition, Topics.partitionOf(key, 12), key));
    }
}
