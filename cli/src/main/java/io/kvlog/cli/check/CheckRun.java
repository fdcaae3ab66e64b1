package io.kvlog.cli.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A correctness check: starts a throwaway cluster in {@code dataDir}, runs the chosen scenarios
 * in order on it, stops it, and writes the report ({@code report.md}, {@code report.json} and one
 * JSON history per scenario) to {@code reportDir}. What {@code kv check} and CheckScenariosIT run.
 */
public final class CheckRun {

    /** Every scenario, in the order they run. */
    public static final List<Integer> ALL = List.of(1, 2, 3, 4, 5, 6);

    private final CheckSettings settings;
    private final Set<Integer> scenarios;
    private final Path dataDir;
    private final Path reportDir;
    private final Consumer<String> progress;

    public CheckRun(CheckSettings settings, Set<Integer> scenarios, Path dataDir, Path reportDir,
                    Consumer<String> progress) {
        for (int n : scenarios) {
            if (!ALL.contains(n)) {
                throw new IllegalArgumentException("scenario: must be 1-6, got " + n);
            }
        }
        this.settings = settings;
        this.scenarios = new TreeSet<>(scenarios);
        this.dataDir = dataDir;
        this.reportDir = reportDir;
        this.progress = progress;
    }

    /** The outcome of a run: each scenario's report, and where the report files are. */
    public record Outcome(List<ScenarioReport> reports, Duration elapsed, Path reportFile) {
        public boolean passed() {
            return !reports.isEmpty() && reports.stream().allMatch(ScenarioReport::passed);
        }
    }

    /** Starts the cluster, runs the chosen scenarios in order, stops the cluster and writes the report. */
    public Outcome run() throws IOException {
        long start = System.nanoTime();
        List<ScenarioReport> reports = new ArrayList<>();
        try (CheckCluster cluster = startCluster()) {
            for (int n : scenarios) {
                reports.add(runScenario(cluster, n));
            }
        }
        return writeReport(reports, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Starts the check's cluster (3 brokers, 3 nodes) in the data directory; the caller closes it. */
    public CheckCluster startCluster() {
        progress.accept("kv check (" + (settings.longRun() ? "long" : "short") + ", seed " + settings.seed()
                + "): starting a cluster of 3 brokers and 3 nodes in " + dataDir);
        return CheckCluster.start(dataDir, settings.partitions(), 3, progress);
    }

    /** Runs scenario {@code number} on {@code cluster}; a scenario that throws is reported as not completed. */
    public ScenarioReport runScenario(CheckCluster cluster, int number) throws IOException {
        Files.createDirectories(reportDir);
        Scenario scenario = scenarios().stream().filter(s -> s.number() == number).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("scenario: must be 1-6, got " + number));
        return runOne(cluster, scenario);
    }

    private static List<Scenario> scenarios() {
        return List.of(new BrokerKillScenario(), new NodeCrashLoopScenario(), new UnreliableLinksScenario(),
                new MinorityBrokersScenario(), new LateReplicaScenario(), new ReplayScenario());
    }

    private ScenarioReport runOne(CheckCluster cluster, Scenario scenario) throws IOException {
        ScenarioReport report = new ScenarioReport(scenario.number(), scenario.name());
        progress.accept("scenario " + scenario.number() + ": " + scenario.name());
        long start = System.nanoTime();
        Random random = new Random(settings.seed() * 1_000_003L + scenario.number());
        try {
            scenario.run(new ScenarioContext(cluster, settings, random, progress), report);
        } catch (Exception e) {
            report.error(e.getClass().getSimpleName() + ": " + e.getMessage());
            progress.accept("  scenario " + scenario.number() + " did not complete: " + e);
            try {
                cluster.heal(); // so the next scenario starts on a whole cluster
            } catch (RuntimeException healing) {
                report.error(report.error() + "; then healing the cluster failed: " + healing.getMessage());
                throw healing;
            }
        } finally {
            report.elapsed(Duration.ofNanos(System.nanoTime() - start));
            if (report.history() != null) {
                Path file = reportDir.resolve("history-" + scenario.number() + ".json");
                report.history().writeJson(file);
                report.historyFile(file);
            }
            if (report.finalValues() != null) {
                // null values (absent keys) are kept: the lost-write check needs them
                new ObjectMapper().writeValue(reportDir.resolve("final-values-" + scenario.number() + ".json").toFile(),
                        new java.util.TreeMap<>(report.finalValues()));
            }
        }
        progress.accept(String.format("scenario %d: %s in %.1f s (%d operations, %d faults)", scenario.number(),
                report.passed() ? "PASSED" : "FAILED", report.elapsed().toNanos() / 1e9, report.operations(),
                report.faultList().size()));
        report.failures().forEach(f -> progress.accept("  " + f));
        return report;
    }

    /** Writes report.md and report.json for {@code reports}. */
    public Outcome writeReport(List<ScenarioReport> reports, Duration elapsed) {
        try {
            Files.createDirectories(reportDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + reportDir + ": " + e.getMessage(), e);
        }
        Outcome outcome = new Outcome(List.copyOf(reports), elapsed, reportDir.resolve("report.md"));
        StringBuilder md = new StringBuilder();
        md.append("# kv check report\n\n")
                .append("- finished: ").append(Instant.now()).append('\n')
                .append("- version: ").append(settings.longRun() ? "long" : "short").append(", seed ")
                .append(settings.seed()).append('\n')
                .append(String.format("- run time: %.1f s%n", outcome.elapsed().toNanos() / 1e9))
                .append("- verdict: ").append(outcome.passed() ? "PASSED" : "FAILED").append("\n\n")
                .append("| # | scenario | verdict | operations | faults | linearizability | lost writes | run time |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (ScenarioReport r : outcome.reports()) {
            md.append(String.format("| %d | %s | %s | %d | %d | %s | %s | %.1f s |%n", r.number(), r.name(),
                    r.passed() ? "PASSED" : "FAILED", r.operations(), r.faultList().size(), linearizability(r),
                    r.lostWrites() == null ? "-" : r.lostWrites().lost().size() + " of "
                            + r.lostWrites().acknowledgedWrites() + " acked",
                    r.elapsed().toNanos() / 1e9));
        }
        for (ScenarioReport r : outcome.reports()) {
            md.append("\n## ").append(r.number()).append(". ").append(r.name()).append(" — ")
                    .append(r.passed() ? "PASSED" : "FAILED").append("\n\n");
            if (r.historyFile() != null) {
                md.append("History: `").append(r.historyFile().getFileName()).append("`\n\n");
            }
            r.notes().forEach(n -> md.append("- ").append(n).append('\n'));
            if (!r.faultList().isEmpty()) {
                md.append("\nFaults:\n\n");
                r.faultList().forEach(f -> md.append("- ").append(f).append('\n'));
            }
            List<String> failures = r.failures();
            md.append("\nAnomalies: ").append(failures.isEmpty() ? "none" : "").append('\n');
            failures.forEach(f -> md.append("- ").append(f).append('\n'));
        }
        List<Map<String, Object>> json = new ArrayList<>();
        for (ScenarioReport r : outcome.reports()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", r.number());
            m.put("name", r.name());
            m.put("passed", r.passed());
            m.put("operations", r.operations());
            m.put("runTimeMillis", r.elapsed().toMillis());
            m.put("linearizability", linearizability(r));
            m.put("faults", r.faultList().stream().map(FaultLog.Fault::toString).toList());
            m.put("notes", r.notes());
            m.put("anomalies", r.failures());
            m.put("history", r.historyFile() == null ? null : r.historyFile().getFileName().toString());
            json.add(m);
        }
        try {
            Files.writeString(outcome.reportFile(), md.toString(), StandardCharsets.UTF_8);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(reportDir.resolve("report.json").toFile(), json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report in " + reportDir + ": " + e.getMessage(), e);
        }
        return outcome;
    }

    private static String linearizability(ScenarioReport r) {
        CheckResult c = r.linearizability();
        return c == null ? "-" : c.overall() + " (" + c.keys().size() + " keys, " + c.elapsed().toMillis() + " ms)";
    }
}
