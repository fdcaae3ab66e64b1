package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The operator's path through real broker processes: up, list, kill, start, status, down. */
@Tag("integration")
class KvClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void upKillStartDownLeavesNothingRunning() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        String data = Files.createTempDirectory(target, "kv-data-").toString();
        List<Long> pids = new ArrayList<>();
        try {
            // Given a cluster started with kv up
            KvRun up = KvRun.of("up", "--partitions", "4", "--nodes", "0", "--data", data);
            assertEquals(ExitCode.OK, up.exitCode(), up.toString());
            assertTrue(up.out().startsWith("bootstrap servers: 127.0.0.1:"), up.toString());
            assertTrue(up.err().contains("created kv.events (4 partitions)"), up.toString());

            // Then broker list shows three running brokers with live pids
            JsonNode brokers = brokerList(data);
            assertEquals(3, brokers.size());
            for (JsonNode b : brokers) {
                assertEquals("running", b.get("state").asText(), b.toString());
                long pid = b.get("pid").asLong();
                pids.add(pid);
                assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid);
            }

            // When broker 2 is killed, its process is gone and it is listed as stopped
            KvRun kill = KvRun.of("broker", "kill", "2", "--data", data);
            assertEquals(ExitCode.OK, kill.exitCode(), kill.toString());
            assertFalse(ProcessHandle.of(pids.get(1)).map(ProcessHandle::isAlive).orElse(false));
            assertEquals("stopped", brokerList(data).get(1).get("state").asText());

            // When it is started again it runs under a new pid and the topic still has all partitions led
            KvRun start = KvRun.of("broker", "start", "2", "--data", data);
            assertEquals(ExitCode.OK, start.exitCode(), start.toString());
            JsonNode restarted = brokerList(data).get(1);
            assertEquals("running", restarted.get("state").asText());
            pids.add(restarted.get("pid").asLong());

            KvRun status = KvRun.of("status", "--json", "--data", data);
            assertEquals(ExitCode.OK, status.exitCode(), status.toString());
            JsonNode partitions = JSON.readTree(status.out()).get("partitions");
            assertEquals(4, partitions.size());
            partitions.forEach(p -> assertFalse(p.get("leader").isNull(), "no leader: " + p));

            // kv up on the existing cluster verifies the topic rather than recreating it
            KvRun again = KvRun.of("up", "--data", data);
            assertEquals(ExitCode.OK, again.exitCode(), again.toString());
            assertTrue(again.err().contains("verified kv.events (4 partitions)"), again.toString());
        } finally {
            // When the cluster is taken down, no process it started is left
            KvRun down = KvRun.of("down", "--data", data);
            assertEquals(ExitCode.OK, down.exitCode(), down.toString());
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still alive");
        }
    }

    private static JsonNode brokerList(String data) throws Exception {
        KvRun list = KvRun.of("broker", "list", "--json", "--data", data);
        assertEquals(ExitCode.OK, list.exitCode(), list.toString());
        return JSON.readTree(list.out());
    }
}
