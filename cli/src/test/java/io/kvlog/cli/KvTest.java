package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.kafka.BrokerState;
import io.kvlog.kafka.ClusterState;
import io.kvlog.kafka.ClusterStateFile;
import io.kvlog.kafka.NodeState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kv command's usage, errors and exit codes, without a running cluster. */
class KvTest {

    @TempDir
    Path data;

    @Test
    void helpListsTheCommandsAndExitCodes() {
        KvRun run = KvRun.of("--help");

        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        for (String command : List.of("up", "down", "status", "broker")) {
            assertTrue(run.out().contains("  " + command + " "), "help lacks " + command + ": " + run);
        }
        assertTrue(run.out().contains("cluster unreachable"), run.toString());
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] args : List.of(new String[] {"up", "--help"}, new String[] {"broker", "kill", "--help"},
                new String[] {"down", "--help"}, new String[] {"status", "--help"}, new String[] {"check", "--help"},
                new String[] {"get", "--help"}, new String[] {"history", "--help"}, new String[] {"watch", "--help"})) {
            KvRun run = KvRun.of(args);
            assertEquals(ExitCode.OK, run.exitCode(), run.toString());
            assertTrue(run.out().startsWith("Usage: kv "), run.toString());
        }
    }

    @Test
    void clientHelpSaysHowNodesAreTriedAndWhatIdsAreFor() {
        KvRun run = KvRun.of("put", "--help");

        assertEquals(ExitCode.OK, run.exitCode(), run.toString());
        String help = run.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("comma-separated list"), run.toString());
        assertTrue(help.contains("the next one is tried"), run.toString());
        assertTrue(help.contains("gets a new UUID"), run.toString());
    }

    @Test
    void unknownCommandIsAUsageError() {
        KvRun run = KvRun.of("frobnicate");

        assertEquals(ExitCode.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("'frobnicate'"), run.toString());
    }

    @Test
    void missingOrBadArgumentsAreUsageErrors() {
        assertEquals(ExitCode.USAGE, KvRun.of("broker").exitCode());
        assertEquals(ExitCode.USAGE, KvRun.of("broker", "kill").exitCode());
        KvRun bad = KvRun.of("broker", "kill", "two", "--data", data.toString());
        assertEquals(ExitCode.USAGE, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("two"), bad.toString());
    }

    @Test
    void commandsWithoutAClusterSayHowToStartOne() {
        KvRun run = KvRun.of("status", "--data", data.toString());

        assertEquals(ExitCode.UNREACHABLE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("no cluster in " + data.toAbsolutePath()), run.toString());
        assertTrue(run.err().contains("kv up"), run.toString());
    }

    @Test
    void upRejectsImpossibleSizes() {
        KvRun run = KvRun.of("up", "--brokers", "0", "--data", data.toString());

        assertEquals(ExitCode.USAGE, run.exitCode(), run.toString());
        assertTrue(run.err().contains("brokers must be between 1 and 9, got 0"), run.toString());
    }

    @Test
    void checkRefusesUnknownScenariosAndAnExistingCluster() {
        KvRun unknown = KvRun.of("check", "--scenario", "1,9", "--data", data.resolve("new").toString());
        assertEquals(ExitCode.USAGE, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("--scenario: each must be 1-6, got 9"), unknown.toString());

        // Given a directory that holds a cluster: kv check never runs on it
        new ClusterStateFile(data).write(new ClusterState("id", 3, List.of(
                new BrokerState(1, 9001, 9101, "brokers/broker-1", 0))));
        KvRun existing = KvRun.of("check", "--data", data.toString());
        assertEquals(ExitCode.USAGE, existing.exitCode(), existing.toString());
        assertTrue(existing.err().contains("holds a cluster already"), existing.toString());
    }

    @Test
    void stoppedNodesAreListedAndNoClientCallIsSentToThem() {
        // Given a cluster whose broker and nodes are not running (pid 0: never started)
        new ClusterStateFile(data).write(new ClusterState("id", 3, List.of(
                new BrokerState(1, 9001, 9101, "brokers/broker-1", 0)), List.of(
                new NodeState(1, 9201, "nodes/node-1", 0), new NodeState(2, 9202, "nodes/node-2", 0))));

        // Then node list shows them stopped, with nothing they would say
        KvRun list = KvRun.of("node", "list", "--data", data.toString());
        assertEquals(ExitCode.OK, list.exitCode(), list.toString());
        assertEquals("ID  URL                    PID  STATE    READY  APPLIED  LAG", list.out().lines().findFirst().orElseThrow());
        assertTrue(list.out().contains("2   http://127.0.0.1:9202  -    stopped  no     -        -"), list.toString());

        // And status lists them, liveness unknown
        KvRun status = KvRun.of("status", "--data", data.toString());
        assertEquals(ExitCode.UNREACHABLE, status.exitCode(), status.toString());
        assertTrue(status.out().contains("live nodes unknown: no node is running"), status.toString());
        assertTrue(status.out().contains("1     http://127.0.0.1:9201  -    stopped  no     -     -    -"), status.toString());

        // And a client call without -H has no node to go to
        KvRun get = KvRun.of("get", "k", "--data", data.toString());
        assertEquals(ExitCode.UNREACHABLE, get.exitCode(), get.toString());
        assertTrue(get.err().contains("no node of the local cluster in " + data.toAbsolutePath() + " is ready"), get.toString());
    }

    @Test
    void unknownBrokerIsNotFoundAndStoppedBrokersAreReported() {
        // Given a cluster whose brokers are not running (pid 0: never started)
        new ClusterStateFile(data).write(new ClusterState("id", 3, List.of(
                new BrokerState(1, 9001, 9101, "brokers/broker-1", 0))));

        // Then an unknown id is "not found", and a stopped broker is listed as stopped
        KvRun unknown = KvRun.of("broker", "kill", "7", "--data", data.toString());
        assertEquals(ExitCode.FAILED, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("no broker 7; brokers are [1]"), unknown.toString());

        KvRun list = KvRun.of("broker", "list", "--data", data.toString());
        assertEquals(ExitCode.OK, list.exitCode(), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("1 ") && l.contains("stopped")), list.toString());

        KvRun kill = KvRun.of("broker", "kill", "1", "--data", data.toString());
        assertEquals(ExitCode.OK, kill.exitCode(), kill.toString());
        assertEquals("broker 1 was not running", kill.out().strip());
    }
}
