package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordingTest {

    @Test
    void warmUpSecondsAreInTheTimelineButNotInTheTotals() {
        // Given a recording with one warm-up second of slow requests and errors
        Recording recording = new Recording();
        for (int i = 0; i < 100; i++) {
            recording.success(900_000_000L);
        }
        recording.error("timeout");
        recording.tick(1, true);

        // When two measured seconds record 1..1000 ms and errors by kind
        for (int ms = 1; ms <= 1000; ms++) {
            recording.success(ms * 1_000_000L);
        }
        recording.error("status 503");
        recording.tick(2, false);
        recording.error("status 503");
        recording.error("connection");
        recording.tick(3, false);
        WorkloadResult result = recording.result("kvlog", "write", "closed", 8, 2);

        // Then the totals hold only the measured seconds
        assertEquals(1000, result.ops());
        assertEquals(500.0, result.opsPerSecond(), 1e-9);
        assertEquals(500.0, result.latency().p50Ms(), 1.0);
        assertEquals(990.0, result.latency().p99Ms(), 1.0);
        assertEquals(1000.0, result.latency().maxMs(), 1.0);
        assertEquals(Map.of("status 503", 2L, "connection", 1L), result.errors());
        assertEquals(3, result.errorCount());
        // and the timeline every second, warm-up marked
        assertEquals(3, result.timeline().size());
        assertTrue(result.timeline().get(0).warmup());
        assertEquals(100, result.timeline().get(0).ops());
        assertEquals(1, result.timeline().get(0).errors());
        assertEquals(1000, result.timeline().get(1).ops());
        assertEquals(0, result.timeline().get(2).ops());
        assertEquals(2, result.timeline().get(2).errors());
    }

    @Test
    void percentileCurveRisesAndEndsAtTheMaximum() {
        Recording recording = new Recording();
        for (int i = 1; i <= 10_000; i++) {
            recording.success(i * 1_000L);
        }
        recording.tick(1, false);
        LatencySummary latency = recording.result("kvlog", "w", "closed", 1, 1).latency();

        var curve = latency.curve();
        assertEquals(0.0, curve.get(0).percentile());
        assertEquals(100.0, curve.get(curve.size() - 1).percentile());
        assertEquals(10.0, curve.get(curve.size() - 1).ms(), 0.01);
        for (int i = 1; i < curve.size(); i++) {
            assertTrue(curve.get(i).percentile() > curve.get(i - 1).percentile(), curve.toString());
            assertTrue(curve.get(i).ms() >= curve.get(i - 1).ms(), curve.toString());
        }
        // 10k samples resolve up to 99.99, not beyond
        assertTrue(curve.stream().noneMatch(p -> p.percentile() > 99.99 && p.percentile() < 100), curve.toString());
    }

    @Test
    void emptyRecordingGivesZeroesNotAnError() {
        Recording recording = new Recording();
        recording.tick(1, false);
        WorkloadResult result = recording.result("etcd", "write", "closed", 1, 1);
        assertEquals(0, result.ops());
        assertEquals(0.0, result.latency().p99Ms());
        assertTrue(result.latency().curve().isEmpty());
    }

    @Test
    void failuresAreClassifiedByKind() {
        assertEquals("timeout", Recording.kindOf(new java.util.concurrent.TimeoutException("x")));
        assertEquals("connection", Recording.kindOf(new java.net.ConnectException("Connection refused")));
        assertEquals("IllegalStateException", Recording.kindOf(new IllegalStateException("odd")));
    }
}
