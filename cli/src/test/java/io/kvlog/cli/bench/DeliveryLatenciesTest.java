package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Matching acks with deliveries by key and version, in either order, on one clock. */
class DeliveryLatenciesTest {

    private static final long MS = 1_000_000;

    @Test
    void latencyRunsFromTheAckToEachWatchersReceipt() {
        // Given 2 watchers, writes due from 100 ms to 200 ms measured
        DeliveryLatencies latencies = new DeliveryLatencies(2, 100 * MS, 200 * MS);

        // When a measured write is acked at 110 ms and reaches the watchers at 113 and 117 ms
        latencies.acked("k", 5, 105 * MS, 106 * MS, 110 * MS);
        latencies.delivered("k", 5, 113 * MS);
        latencies.delivered("k", 5, 117 * MS);
        // and a warm-up write (due at 50 ms) reaches both too
        latencies.acked("k", 3, 50 * MS, 51 * MS, 60 * MS);
        latencies.delivered("k", 3, 61 * MS);
        latencies.delivered("k", 3, 62 * MS);

        // Then only the measured write's two deliveries count: 3 and 7 ms
        DeliveryLatencies.Totals totals = latencies.totals();
        assertEquals(2, totals.latency().getTotalCount());
        assertEquals(3 * MS, totals.latency().getMinValue(), 0.01 * MS);
        assertEquals(7 * MS, totals.latency().getMaxValue(), 0.01 * MS);
        // and from the send (106 ms): 7 and 11 ms
        assertEquals(7 * MS, totals.fromSend().getMinValue(), 0.01 * MS);
        assertEquals(11 * MS, totals.fromSend().getMaxValue(), 0.01 * MS);
        assertEquals(1, totals.measuredWrites());
        assertEquals(0, totals.undelivered());
        assertEquals(0, latencies.outstanding());
    }

    @Test
    void aChangeSeenBeforeItsAckCountsAsZeroAndOneNeverSeenAsUndelivered() {
        DeliveryLatencies latencies = new DeliveryLatencies(2, 0, 1000 * MS);

        // Given one watcher has the change before the writer has the ack, the other never gets it
        latencies.delivered("k", 9, 120 * MS);
        latencies.acked("k", 9, 100 * MS, 101 * MS, 125 * MS);
        // and a change whose write was never acked (it timed out at the client)
        latencies.delivered("other", 4, 130 * MS);
        // and an early delivery of a write due before the measured window (not counted as before the ack)
        DeliveryLatencies later = new DeliveryLatencies(1, 50 * MS, 1000 * MS);
        later.delivered("k", 2, 20 * MS);
        later.acked("k", 2, 10 * MS, 11 * MS, 25 * MS);
        assertEquals(0, later.beforeAck());

        // Then the early one is latency 0 from the ack (19 ms from the send), one delivery is owed, and the
        // unacked one is counted apart
        DeliveryLatencies.Totals totals = latencies.totals();
        assertEquals(1, totals.latency().getTotalCount());
        assertEquals(0, totals.latency().getMaxValue());
        assertEquals(19 * MS, totals.fromSend().getMaxValue(), 0.01 * MS);
        assertEquals(1, latencies.beforeAck());
        assertEquals(1, totals.undelivered());
        assertEquals(1, latencies.outstanding());
        assertEquals(1, totals.deliveredButNotAcked());
    }
}
