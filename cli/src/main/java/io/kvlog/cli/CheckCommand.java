package io.kvlog.cli;

import io.kvlog.cli.check.CheckRun;
import io.kvlog.cli.check.CheckSettings;
import io.kvlog.cli.check.Recheck;
import io.kvlog.cli.check.ScenarioReport;
import io.kvlog.kafka.LocalKafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kv check}: the correctness suite (issue 7). Starts a throwaway cluster of its own, runs
 * the fault scenarios while recording every operation, checks the histories (linearizability,
 * lost writes, exactly-once) and writes a report. Exit 0 only if every verdict passed.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Run the correctness scenarios on a throwaway cluster of their own (never ./data's):",
                "1 broker kill, 2 node crash loop, 3 unreliable client links, 4 minority brokers,",
                "5 late replica, 6 replay. Records every operation, checks linearizability, lost writes",
                "and exactly-once effects, writes a report. Exit 0 only if every verdict passed."})
final class CheckCommand implements Callable<Integer> {

    @ParentCommand
    Kv kv;

    @Option(names = "--long", description = "The long version: a minute or more per scenario (default: the short one, seconds).")
    boolean longRun;

    @Option(names = "--scenario", paramLabel = "N", split = ",",
            description = "Only these scenarios, e.g. --scenario 1,3 (default: all, 1-6).")
    List<Integer> scenarios;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of every random choice (default: the clock).")
    Long seed;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data directory of the check's own cluster; must not hold a cluster (default: a new"
                    + " temporary directory, deleted after a passing run).")
    Path data;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Where the report goes (default: ./kv-check-reports/<date-time>).")
    Path report;

    @Option(names = "--recheck", paramLabel = "REPORT_DIR",
            description = "Start nothing: check the histories saved in a report directory again (linearizability,"
                    + " lost writes) and exit 0 only if all pass.")
    Path recheck;

    @Override
    public Integer call() throws IOException {
        Output out = kv.output();
        if (recheck != null) {
            boolean passed = Recheck.run(recheck, new CheckSettings(longRun, 0).linearizabilityTimeoutPerKey(), out::line);
            out.line(passed ? "every history passed" : "some history did not pass");
            return passed ? ExitCode.OK : ExitCode.FAILED;
        }
        long chosenSeed = seed != null ? seed : System.currentTimeMillis();
        Set<Integer> chosen = new TreeSet<>(scenarios == null || scenarios.isEmpty() ? CheckRun.ALL : scenarios);
        for (int n : chosen) {
            if (!CheckRun.ALL.contains(n)) {
                throw new IllegalArgumentException("--scenario: each must be 1-6, got " + n);
            }
        }
        if (data != null && LocalKafkaCluster.exists(data)) {
            throw new IllegalArgumentException("--data " + data.toAbsolutePath().normalize() + " holds a cluster already;"
                    + " kv check runs only on a cluster of its own: give a new or empty directory");
        }
        boolean throwaway = data == null;
        Path dataDir = throwaway ? Files.createTempDirectory("kv-check-") : data.toAbsolutePath().normalize();
        Path reportDir = (report != null ? report
                : Path.of("kv-check-reports", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))))
                .toAbsolutePath().normalize();
        CheckRun.Outcome outcome = new CheckRun(new CheckSettings(longRun, chosenSeed), chosen, dataDir, reportDir,
                out::progress).run();
        for (ScenarioReport r : outcome.reports()) {
            out.line(String.format("scenario %d %-24s %s  %6d ops  %3d faults  %6.1f s", r.number(), r.name(),
                    r.passed() ? "PASSED" : "FAILED", r.operations(), r.faultList().size(), r.elapsed().toNanos() / 1e9));
            r.failures().forEach(f -> out.line("    " + f));
        }
        out.line("report: " + outcome.reportFile());
        out.line(String.format("kv check %s in %.1f s (seed %d)", outcome.passed() ? "PASSED" : "FAILED",
                outcome.elapsed().toNanos() / 1e9, chosenSeed));
        if (throwaway && outcome.passed()) {
            delete(dataDir);
        } else {
            out.line("cluster data and logs kept in " + dataDir);
        }
        return outcome.passed() ? ExitCode.OK : ExitCode.FAILED;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
