package io.kvlog.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventTopicTest {

    private static Map<String, String> designConfigs() {
        return new HashMap<>(Map.of("min.insync.replicas", "2", "unclean.leader.election.enable", "false",
                "retention.ms", "-1", "cleanup.policy", "delete",
                "max.message.bytes", io.kvlog.protocol.Topics.EVENTS_CONFIG.get("max.message.bytes")));
    }

    @Test
    void expectedTopicFollowsTheDesign() {
        EventTopic.Expected expected = EventTopic.Expected.forCluster(12, 3);

        assertEquals(12, expected.partitions());
        assertEquals(3, expected.replicationFactor());
        assertEquals("-1", expected.configs().get("retention.ms"));
        assertEquals("2", expected.configs().get("min.insync.replicas"));
        assertEquals("false", expected.configs().get("unclean.leader.election.enable"));
    }

    @Test
    void matchingTopicHasNoDifferences() {
        List<String> diffs = EventTopic.compare(EventTopic.Expected.forCluster(6, 3), 6, List.of(3, 3, 3, 3, 3, 3),
                designConfigs());

        assertTrue(diffs.isEmpty(), diffs.toString());
    }

    @Test
    void everyDifferenceIsReported() {
        // Given a topic with too few partitions, RF 1 somewhere, finite retention and unclean election
        Map<String, String> configs = designConfigs();
        configs.put("retention.ms", "604800000");
        configs.put("unclean.leader.election.enable", "true");

        // When it is compared to the design
        List<String> diffs = EventTopic.compare(EventTopic.Expected.forCluster(12, 3), 6, List.of(3, 1, 3), configs);

        // Then each difference is named with the expected value
        assertEquals(List.of("partitions 6, expected 12", "replication factor 1, expected 3",
                "retention.ms=604800000, expected -1", "unclean.leader.election.enable=true, expected false"), diffs);
    }
}
