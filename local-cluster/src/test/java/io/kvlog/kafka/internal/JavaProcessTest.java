package io.kvlog.kafka.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
}
