package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short {@code kv bench} against a small real cluster (1 broker, 1 node): every workload of the
 * quick suite and the raw-producer baseline count operations, the replay scenario replays what
 * the bench wrote, the watch and history scenarios (shrunk: 200 writes/s, 2000 events, 150
 * versions) deliver and read back everything, the security scenario (one round) serves each of its
 * modes without an error, and the report files are there. Figures are not
 * asserted: this is not a benchmark. About 1.7 min on a quiet 2-core machine (cluster start-up is
 * most of it); the timeout is for a loaded one.
 */
@Tag("integration")
class BenchIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shortBenchCountsOperationsAndWritesItsReports() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        String data = Files.createTempDirectory(target, "kv-bench-").toString();
        Path out = Path.of(data, "report");
        try {
            // Given a small cluster
            KvRun up = KvRun.of("up", "--brokers", "1", "--nodes", "1", "--partitions", "3", "--data", data);
            assertEquals(ExitCode.OK, up.exitCode(), up.toString());

            // When a ~3 s bench of each quick workload runs, primed for 1 s each, with the kafka baseline, the
            // replay scenario and small watch and history scenarios
            KvRun bench = KvRun.of("bench", "--data", data, "--suite", "quick", "--duration", "3", "--warmup", "1",
                    "--prime", "3", "--keys", "200", "--connections", "8", "--baseline", "kafka", "--scenarios",
                    "replay,watch,history,client,security", "--watch-rate", "200", "--watchers", "1,3", "--catch-up-events", "2000",
                    "--history-versions", "150", "--history-reads", "10", "--client-calls", "50", "--security-rounds", "1", "--out", out.toString());

            // Then it succeeds, prints its table and progress, and wrote every report file
            assertEquals(ExitCode.OK, bench.exitCode(), bench.toString());
            assertTrue(bench.out().contains("kvlog"), bench.toString());
            assertTrue(bench.err().contains("ops/s"), "progress every second: " + bench);
            assertTrue(bench.err().contains("priming kvlog with get-eventual for 1 s"), "primed: " + bench);
            for (String file : new String[] {"report.json", "report.html", "results.md", "latency-percentiles.svg",
                    "throughput.svg"}) {
                assertTrue(Files.size(out.resolve(file)) > 0, file);
            }
            assertTrue(Files.readString(out.resolve("report.html")).contains("<svg "));
            JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
            Map<String, Long> ops = new HashMap<>();
            report.get("results").forEach(r -> ops.put(r.get("system").asText() + " " + r.get("workload").asText(),
                    r.get("ops").asLong()));
            // 4 workloads, 2 watch delivery runs, 5 kinds of history read, 5 kinds of client call, 5 security modes x 2
            assertEquals(26, ops.size(), ops.toString());
            ops.forEach((name, n) -> assertTrue(n > 0, name + " counted no operation: " + ops));
            Map<String, JsonNode> scenarios = new HashMap<>();
            report.get("scenarios").forEach(s -> scenarios.put(s.get("scenario").asText(), s));
            // the replay read back every event the raw consumer did: the writes of the bench and its pre-load
            long replayed = scenarios.get("replay").get("details").get("events").asLong();
            assertTrue(replayed >= 200, "pre-load alone wrote 200 events: " + scenarios);
            assertEquals(scenarios.get("kafka-consume-events").get("details").get("events").asLong(), replayed);
            assertTrue(report.get("ratios").size() >= 3, report.get("ratios").toString());
            // every change reached every watcher, the catch-up sent every change, every history reply was right
            report.get("results").forEach(r -> {
                String workload = r.get("workload").asText();
                if (workload.startsWith("watch-") || workload.startsWith("history-") || workload.equals("get-version")
                        || workload.equals("get-as-of") || workload.equals("get-same-key")
                        || workload.startsWith("client-") || workload.startsWith("raw-http-")
                        || workload.startsWith("security-")) {
                    assertEquals(0, r.get("errors").size(), r.toString());
                }
            });
            // the client's overhead over raw HTTP is a figure (either sign on this noisy machine)
            assertTrue(Double.isFinite(scenarios.get("client-overhead-put").get("value").asDouble()), scenarios.toString());
            assertEquals(2000, scenarios.get("watch-catch-up").get("details").get("changes").asLong(), scenarios.toString());
            assertEquals(3, scenarios.get("kvlog-watch-3-watchers").get("details").get("watchers").asInt());
            assertTrue(bench.err().contains("share this machine's"), "says the clients share the cores: " + bench);
            // the security table is printed, down to its last mode (figures not asserted: this is not a benchmark)
            assertTrue(bench.out().contains("security: per request, against plain HTTP"), bench.out());
            assertTrue(bench.out().lines().anyMatch(l -> l.startsWith("kvlog-auth-tls-newconn ")), bench.out());
            assertEquals(3, report.get("settings").get("primeSeconds").asInt(), report.get("settings").toString());
        } finally {
            KvRun down = KvRun.of("down", "--data", data);
            assertEquals(ExitCode.OK, down.exitCode(), down.toString());
        }
    }
}
