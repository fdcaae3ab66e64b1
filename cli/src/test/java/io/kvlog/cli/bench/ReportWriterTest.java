package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void writesJsonHtmlMarkdownAndPlotsWithRatios() throws Exception {
        // Given kvlog at 2000 writes/s, etcd at 500, the raw producer at 8000, and a replay scenario
        BenchReport report = BenchReport.of("2026-01-01T10:00:00", "kv bench --suite quick", Map.of("cores", 2),
                new LoadSettings(64, 10_000, 100, 1, 2, 0, 5000, 0),
                List.of(result("kvlog", "write", 2000, 3), result("etcd", "write", 500, 0),
                        result("kafka-producer", "write", 8000, 0), result("kvlog", "get-eventual", 9000, 0)),
                List.of(new ScenarioResult("kafka-consume-events", "events/s", 100_000, Map.of("events", 5)),
                        new ScenarioResult("replay", "events/s", 25_000, Map.of("events", 5))),
                List.of("scenario node-kill: java.lang.IllegalStateException: needs 2 nodes"));

        // When the report is written
        ReportWriter.Files files = ReportWriter.write(report, dir);

        // Then the ratios are kvlog over each baseline
        assertEquals(List.of(new BenchReport.Ratio("write", "etcd", 2000, 500, "ops/s", 4.0),
                new BenchReport.Ratio("write", "kafka-producer", 2000, 8000, "ops/s", 0.25),
                new BenchReport.Ratio("replay", "kafka-consumer", 25_000, 100_000, "events/s", 0.25)), report.ratios());
        // and the JSON holds every result with its latencies, errors and timeline
        JsonNode json = JSON.readTree(files.json().toFile());
        assertEquals(4, json.get("results").size());
        JsonNode kvlog = json.get("results").get(0);
        assertEquals("kvlog", kvlog.get("system").asText());
        assertEquals(4000, kvlog.get("ops").asLong());
        assertEquals(3, kvlog.get("errors").get("status 503").asLong());
        assertEquals(3, kvlog.get("timeline").size());
        assertTrue(kvlog.get("latency").get("p99Ms").asDouble() > 0);
        assertEquals(3, json.get("ratios").size());
        // and the HTML is one page with both plots inline and nothing to fetch
        String html = Files.readString(files.html());
        assertEquals(2, html.split("<svg ", -1).length - 1);
        assertTrue(html.contains("kvlog write"), html);
        assertFalse(html.contains("<script"), "no script needed");
        assertFalse(html.replace("http://www.w3.org/2000/svg", "").contains("http"), "nothing fetched");
        // and the markdown table has a row per result
        String markdown = Files.readString(files.markdown());
        assertTrue(markdown.contains("| kvlog          | write"), markdown);
        assertTrue(markdown.contains("| write    | etcd"), markdown);
        assertTrue(markdown.contains("4.00"), markdown);
        // and a stage that failed is reported, not dropped
        assertTrue(markdown.contains("**Failed:** scenario node-kill"), markdown);
        assertTrue(html.contains("needs 2 nodes"), html);
        assertEquals(1, json.get("problems").size());
        assertTrue(Files.readString(files.percentilesSvg()).contains("<polyline"));
        assertTrue(Files.readString(files.throughputSvg()).contains("stroke-dasharray"), "warm-up drawn dashed");
        // and the JSON reads back into the same report, so the tables can be re-rendered from it
        assertEquals(report, ReportWriter.read(files.json()));
    }

    @Test
    void watchRunsAreNotComparedByRateAndACatchUpIsComparedWithTheRawConsumer() throws Exception {
        // Given watch delivery runs on kvlog and etcd (both paced at one rate), a history read without a
        // timeline, and a catch-up that read 120k log events/s where the raw consumer read 240k
        LatencySummary latency = LatencySummary.of(new org.HdrHistogram.Histogram(3));
        WorkloadResult history = new WorkloadResult("kvlog", "history-page-100", "closed", 1, 2.0, 10, 5.0, latency,
                Map.of(), List.of());
        BenchReport report = BenchReport.of("2026-01-01T10:00:00", "kv bench --scenarios watch,history",
                Map.of("cores", 2), new LoadSettings(64, 10_000, 100, 1, 2, 0, 5000, 0),
                List.of(result("kvlog", "watch-1-watcher", 2000, 0), result("etcd", "watch-1-watcher", 2000, 0),
                        history),
                List.of(new ScenarioResult("watch-catch-up", "events/s", 100_000,
                                Map.of("logEventsPerSecond", 120_000.0, "changes", 100_000)),
                        new ScenarioResult("kafka-consume-catch-up", "events/s", 240_000, Map.of("events", 5))),
                List.of());

        // When it is written
        ReportWriter.Files files = ReportWriter.write(report, dir);

        // Then the only ratio is the catch-up's, in log events/s, and it survives a round trip through the JSON
        assertEquals(List.of(new BenchReport.Ratio("watch-catch-up", "kafka-consumer", 120_000, 240_000,
                "log events/s", 0.5)), report.ratios());
        assertEquals(report.ratios(), BenchReport.of(report.started(), report.command(), report.machine(),
                report.settings(), report.results(), ReportWriter.read(files.json()).scenarios(), List.of()).ratios());
        // and the history row is in the table but draws no throughput line
        assertTrue(Files.readString(files.markdown()).contains("history-page-100"));
        assertFalse(Files.readString(files.throughputSvg()).contains("history-page-100"));
    }

    @Test
    void scenarioDetailsAreSortedAndRounded() {
        assertEquals("events=5, gaps={0=1.23, 1=0.50}, seconds=2.35",
                ReportWriter.compact(Map.of("seconds", 2.345678, "events", 5, "gaps", Map.of(1, 0.5, 0, 1.2345))));
    }

    @Test
    void textTableAlignsColumns() {
        String table = ReportWriter.table(List.of("a", "bb"), List.of(List.of("long cell", "1")), false);
        assertEquals("a          bb\nlong cell  1\n", table);
        String markdown = ReportWriter.table(List.of("a", "b"), List.of(List.of("x|y", "1")), true);
        assertEquals("| a    | b   |\n| ---- | --- |\n| x\\|y | 1   |\n", markdown);
    }

    private static WorkloadResult result(String system, String workload, int opsPerSecond, long errors) {
        Recording recording = new Recording();
        for (int i = 0; i < opsPerSecond / 2; i++) {
            recording.success((1 + i % 20) * 1_000_000L);
        }
        recording.tick(1, true);
        for (int t = 2; t <= 3; t++) {
            for (int i = 0; i < opsPerSecond; i++) {
                recording.success((1 + i % 20) * 1_000_000L);
            }
            for (int e = 0; e < errors && t == 2; e++) {
                recording.error("status 503");
            }
            recording.tick(t, false);
        }
        return recording.result(system, workload, "closed", 64, 2);
    }
}
