package io.kvlog.kafka.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaProcessTest {

    /** A program that sleeps until it is killed: the child process of the test. */
    public static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(Long.parseLong(args[1]));
        }
    }

    @Test
    void aStartedProcessIsFoundByItsMarkerAtOnceAndIsGoneAfterKill(@TempDir Path dir) throws Exception {
        String marker = dir.resolve("marker-" + System.nanoTime()).toString();
        // Given a process started with a marker among its arguments
        long pid = JavaProcess.start(System.getProperty("java.class.path"), List.of("-Xmx32m"),
                Sleeper.class.getName(), List.of(marker, "60000"), dir.resolve("sleeper.log"), dir);
        try {
            // Then it is found by pid and marker straight away, not only once the JVM's spawn helper has exec'd it
            assertTrue(JavaProcess.isAlive(pid, marker), "pid " + pid + " not found with its marker right after start");
            // and a different marker does not match it (a recycled pid is never taken for ours)
            assertFalse(JavaProcess.isAlive(pid, marker + "-other"));
        } finally {
            // When it is killed
            JavaProcess.find(pid, marker).ifPresent(JavaProcess::kill);
        }
        // Then it is gone
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (JavaProcess.isAlive(pid, marker) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(JavaProcess.isAlive(pid, marker), "pid " + pid + " still alive after kill");
        assertTrue(Files.exists(dir.resolve("sleeper.log")));
    }

    @Test
    void aStartedProcessIsFoundAtEveryLookDuringItsFirstMoments(@TempDir Path dir) throws Exception {
        // setsid execs java a few ms after start; meanwhile /proc/PID/cmdline reads empty or partial.
        // Before start() waited for the final image, most spawns were caught in that window.
        for (int i = 0; i < 10; i++) {
            String marker = dir.resolve("marker-" + i).toString();
            long pid = JavaProcess.start(System.getProperty("java.class.path"), List.of("-Xmx32m"),
                    Sleeper.class.getName(), List.of(marker, "60000"), dir.resolve("sleeper-" + i + ".log"), dir);
            try {
                long end = System.nanoTime() + Duration.ofMillis(50).toNanos();
                for (int look = 0; System.nanoTime() < end; look++) {
                    assertTrue(JavaProcess.isAlive(pid, marker), "spawn " + i + ": pid " + pid + " not found at look " + look);
                }
            } finally {
                ProcessHandle.of(pid).ifPresent(JavaProcess::kill);
            }
        }
    }

    @Test
    void awaitReadyReturnsOnceEveryProcessIsReady(@TempDir Path dir) {
        // Given two running processes that become ready at their third look
        Map<Integer, Integer> looks = new ConcurrentHashMap<>();
        JavaProcess.Kind kind = new JavaProcess.Kind("node", id -> true,
                id -> looks.merge(id, 1, Integer::sum) >= 3, id -> dir.resolve("node-" + id + ".log"));
        List<String> progress = new ArrayList<>();

        // When the caller waits for them
        JavaProcess.awaitReady(kind, List.of(2, 1), Duration.ofSeconds(30), progress::add);

        // Then it returned after three looks at each, and said once what it waits for
        assertEquals(Map.of(1, 3, 2, 3), looks);
        assertEquals(List.of("waiting for node(s) [1, 2] to be ready ... 0 s"), progress);
    }

    @Test
    void awaitReadyFailsAtOnceNamingAProcessThatExitedAndItsLog(@TempDir Path dir) throws Exception {
        // Given broker 2 that exited, leaving a log
        Path log = dir.resolve("broker-2.log");
        Files.writeString(log, "starting\nFATAL address already in use\n");
        JavaProcess.Kind kind = new JavaProcess.Kind("broker", id -> id != 2, id -> false, id -> dir.resolve("broker-" + id + ".log"));

        // When the caller waits for brokers 1 and 2
        JavaProcess.NotReadyException e = assertThrows(JavaProcess.NotReadyException.class,
                () -> JavaProcess.awaitReady(kind, List.of(1, 2), Duration.ofSeconds(30), line -> { }));

        // Then it fails naming broker 2, its log and the log's last lines
        assertEquals(2, e.id());
        assertTrue(e.getMessage().startsWith("broker 2 exited before it was ready; see its log " + log), e.getMessage());
        assertTrue(e.getMessage().endsWith("FATAL address already in use"), e.getMessage());
    }

    @Test
    void awaitReadyFailsOnTimeoutNamingWhatItStillWaitsFor(@TempDir Path dir) {
        JavaProcess.Kind kind = new JavaProcess.Kind("node", id -> true, id -> id == 1, id -> dir.resolve("node-" + id + ".log"));

        JavaProcess.NotReadyException e = assertThrows(JavaProcess.NotReadyException.class,
                () -> JavaProcess.awaitReady(kind, List.of(1, 3), Duration.ofMillis(300), line -> { }));

        assertEquals(3, e.id());
        assertEquals("node 3 not ready after 0 s (waiting for [3]); see its log " + dir.resolve("node-3.log"), e.getMessage());
    }
}
