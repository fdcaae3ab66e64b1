package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The feed's promise: a subscription gets every record applied after its start, and none at or before it. */
class ChangeFeedTest {

    private static final int PARTITIONS = 2;
    private static final long RECORDS = 50_000;

    @Test
    void subscriptionsMadeWhileRecordsAreAppliedStartExactlyAtTheirPositions() throws Exception {
        AppliedPositions positions = new AppliedPositions(PARTITIONS);
        ChangeFeed feed = new ChangeFeed(positions);
        // Given an applier that advances a position and then publishes, as ApplyProcessor does
        Thread applier = new Thread(() -> {
            for (long offset = 0; offset < RECORDS; offset++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    positions.advance(p, offset);
                    feed.publish(p, offset, null);
                }
            }
        });
        // When subscriptions are made while it runs
        record Seen(long[] start, List<List<Long>> offsets) {
        }
        List<Seen> subscriptions = new ArrayList<>();
        applier.start();
        while (applier.isAlive() && subscriptions.size() < 100) {
            List<List<Long>> offsets = List.of(java.util.Collections.synchronizedList(new ArrayList<>()),
                    java.util.Collections.synchronizedList(new ArrayList<>()));
            ChangeFeed.Subscription subscription = feed.subscribe((p, offset, change) -> offsets.get(p).add(offset));
            subscriptions.add(new Seen(subscription.start(), offsets));
            Thread.sleep(0, 200_000);
        }
        applier.join();
        assertTrue(subscriptions.size() > 10, "too few subscriptions while applying: " + subscriptions.size());

        // Then each got, per partition, exactly the offsets after its start, in order
        for (Seen seen : subscriptions) {
            for (int p = 0; p < PARTITIONS; p++) {
                List<Long> offsets = seen.offsets().get(p);
                long start = seen.start()[p];
                assertEquals(RECORDS - 1 - start, offsets.size(), "partition " + p + " from " + start);
                for (int i = 0; i < offsets.size(); i++) {
                    assertEquals(start + 1 + i, offsets.get(i), "partition " + p + " from " + start);
                }
            }
        }
    }
}
