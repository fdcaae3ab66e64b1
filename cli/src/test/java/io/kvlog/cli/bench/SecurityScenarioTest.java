package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The security table's figures from results alone (the scenario itself runs in BenchIT). */
class SecurityScenarioTest {

    @Test
    void rowsGiveEachModesLatenciesAndItsCostOverPlain() {
        // Given plain at 9000 GETs/s (p50 200 µs) + 1000 PUTs/s (p50 1 ms), and TLS at 4500 + 500 (p50 300 µs, 1.5 ms)
        List<WorkloadResult> results = List.of(
                result("kvlog-plain", SecurityScenario.GET, 9000, 200), result("kvlog-plain", SecurityScenario.PUT, 1000, 1000),
                result("kvlog-auth-tls", SecurityScenario.GET, 4500, 300),
                result("kvlog-auth-tls", SecurityScenario.PUT, 500, 1500),
                result("kvlog", "get-eventual", 1, 1));

        // When the table is made
        List<List<String>> rows = SecurityScenario.rows(results);

        // Then one row per mode, plain first: 10000 vs 5000 requests/s is +100 µs per request, medians +100 and +500 µs
        assertEquals(2, rows.size(), rows.toString());
        assertEquals(SecurityScenario.header().size(), rows.get(0).size());
        assertEquals(List.of("kvlog-plain", "20000", "10000", "+0", "200", "200", "200", "+0", "1000", "1000", "1000", "+0",
                "0"), rows.get(0));
        assertEquals(List.of("kvlog-auth-tls", "10000", "5000", "+100", "300", "300", "300", "+100", "1500", "1500", "1500",
                "+500", "0"), rows.get(1));
        assertTrue(SecurityScenario.rows(results.subList(4, 5)).isEmpty(), "no table without the scenario");
    }

    /** {@code rate} requests/s over 2 s, all taking {@code micros}. */
    private static WorkloadResult result(String system, String workload, int rate, long micros) {
        Recording recording = new Recording();
        for (int i = 0; i < 2 * rate; i++) {
            recording.success(micros * 1000);
        }
        recording.tick(1, false);
        return new WorkloadResult(system, workload, "closed", 8, 2, 2L * rate, rate,
                LatencySummary.of(recording.total()), Map.of(), List.of());
    }
}
