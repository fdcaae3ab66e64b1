package io.kvlog.cli.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The short version of every {@code kv check} scenario, in order, on one shared cluster of 3
 * broker and 3 node processes: each must pass every verdict (linearizable history, no lost write,
 * its own exactly-once and digest checks). The report goes to {@code target/check-report/}.
 * The seed is fixed unless {@code -Dkv.check.seed=S} is given; the long version is
 * {@code kv check --long} (or {@code mvn -B -pl cli -am verify -Pcheck-long}).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// a guard against a hang, not a speed check: each scenario bounds its own load and waits
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class CheckScenariosIT {

    private static final List<ScenarioReport> REPORTS = new ArrayList<>();
    private static CheckRun run;
    private static CheckCluster cluster;
    private static long start;

    @BeforeAll
    static void startCluster() throws IOException {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        Path data = Files.createTempDirectory(target, "kv-check-");
        CheckSettings settings = new CheckSettings(Boolean.getBoolean("kv.check.long"),
                Long.getLong("kv.check.seed", 20261122L));
        start = System.nanoTime();
        run = new CheckRun(settings, Set.copyOf(CheckRun.ALL), data, target.resolve("check-report"),
                line -> System.out.println("[kv check] " + line));
        cluster = run.startCluster();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (run != null) {
            CheckRun.Outcome outcome = run.writeReport(REPORTS, Duration.ofNanos(System.nanoTime() - start));
            System.out.println("[kv check] report: " + outcome.reportFile());
        }
    }

    @Test
    @Order(1)
    void brokerKill() throws IOException {
        passes(1);
    }

    @Test
    @Order(2)
    void nodeCrashLoop() throws IOException {
        passes(2);
    }

    @Test
    @Order(3)
    void unreliableClientLinks() throws IOException {
        passes(3);
    }

    @Test
    @Order(4)
    void minorityBrokers() throws IOException {
        passes(4);
    }

    @Test
    @Order(5)
    void lateReplica() throws IOException {
        passes(5);
    }

    @Test
    @Order(6)
    void replayReproducesEveryCopy() throws IOException {
        passes(6);
    }

    private static void passes(int scenario) throws IOException {
        // When the scenario runs
        ScenarioReport report = run.runScenario(cluster, scenario);
        REPORTS.add(report);
        // Then it recorded operations (scenario 6 replays instead), and every verdict passed
        if (scenario != 6) {
            assertTrue(report.operations() > 0, "scenario " + scenario + " recorded no operation");
            assertTrue(report.linearizability() != null && report.lostWrites() != null,
                    "scenario " + scenario + " did not reach its checks: " + report.failures());
        }
        assertTrue(report.passed(), "scenario " + scenario + " (" + report.name() + "): " + report.failures()
                + "; notes: " + report.notes() + "; faults: " + report.faultList());
    }
}
