package io.kvlog.kafka.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts Java programs as detached OS processes and manages them by pid.
 *
 * <p>A process is started in its own session ({@code setsid}) with its output appended to a log
 * file, so it outlives the JVM that started it and a closed terminal. It is recognised later by
 * pid <em>and</em> by a marker in its command line (a path only it uses), so a recycled pid is
 * never mistaken for it.
 */
public final class JavaProcess {

    /** How long a new process may take to exec its final image; after that it is taken as it is. */
    private static final Duration EXEC_TIMEOUT = Duration.ofSeconds(5);

    private JavaProcess() {
    }

    /**
     * Starts {@code mainClass} with the given JVM options and arguments on {@code classpath}.
     *
     * @return the pid of the new process
     */
    public static long start(String classpath, List<String> jvmOptions, String mainClass, List<String> args,
                             Path logFile, Path workDir) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid");
        }
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        // the class path goes through the environment: it is long, and ps stays readable
        builder.environment().put("CLASSPATH", classpath);
        try {
            Files.createDirectories(logFile.getParent());
            Process process = builder.start();
            awaitExec(process, mainClass);
            return process.pid();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + mainClass + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the new process shows its final command line. {@code start()} returns once
     * {@code setsid} is exec'd; {@code setsid} then execs {@code java}, and while the kernel sets up
     * that image {@code /proc/PID/cmdline} reads empty or partial (measured: in 23 of 30 spawns, for
     * up to 7 ms on a quiet machine; longer under load). A caller that looked for its marker in
     * that window took a running process for a dead one.
     */
    private static void awaitExec(Process process, String mainClass) {
        settledCommandLine(process.toHandle(), line -> isFinalImage(line, mainClass));
    }

    /**
     * The process's command line once {@code settled} accepts it, or as it is when the process
     * exits or {@link #EXEC_TIMEOUT} passes.
     */
    private static String settledCommandLine(ProcessHandle process, java.util.function.Predicate<String> settled) {
        long deadline = System.nanoTime() + EXEC_TIMEOUT.toNanos();
        String commandLine = commandLine(process);
        while (!settled.test(commandLine) && process.isAlive() && System.nanoTime() < deadline) {
            pause(2);
            commandLine = commandLine(process);
        }
        return commandLine;
    }

    /** Runs {@code mainClass} to completion (bounded by {@code timeout}) and returns its exit code. */
    public static int run(String classpath, List<String> jvmOptions, String mainClass, List<String> args,
                          Path logFile, Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.addAll(jvmOptions);
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().put("CLASSPATH", classpath);
        try {
            Files.createDirectories(logFile.getParent());
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(mainClass + " did not finish within " + timeout + "; see " + logFile);
            }
            return process.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + mainClass + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + mainClass, e);
        }
    }

    /**
     * The live process with this pid whose command line contains {@code marker}, if any. A process
     * caught in the middle of an exec (its command line reads empty) is asked again, briefly.
     */
    public static Optional<ProcessHandle> find(long pid, String marker) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        String commandLine = settledCommandLine(handle.get(), line -> !line.isBlank());
        return commandLine.contains(marker) && handle.get().isAlive() ? handle : Optional.empty();
    }

    /** True if {@code pid} is alive and is the process marked by {@code marker}. */
    public static boolean isAlive(long pid, String marker) {
        return find(pid, marker).isPresent();
    }

    /**
     * Sends SIGTERM and waits up to {@code grace} for the process to exit; sends SIGKILL if it
     * has not. Returns true if it exited on SIGTERM.
     */
    public static boolean terminate(ProcessHandle process, Duration grace) {
        process.destroy();
        if (awaitExit(process, grace)) {
            return true;
        }
        process.destroyForcibly();
        awaitExit(process, Duration.ofSeconds(10));
        return false;
    }

    /** Sends SIGKILL and waits until the process is gone. */
    public static void kill(ProcessHandle process) {
        process.destroyForcibly();
        awaitExit(process, Duration.ofSeconds(10));
    }

    /** Waits until the process has exited; true if it did within {@code timeout}. */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("waiting for pid " + process.pid() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static String commandLine(ProcessHandle handle) {
        // /proc/PID/cmdline is the full command line; ProcessHandle.Info may truncate it
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(handle.pid()), "cmdline"));
            return new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return handle.info().commandLine().orElse("");
        }
    }

    // the java image, not setsid's (whose command line holds the main class too) nor a half-set one
    private static boolean isFinalImage(String commandLine, String mainClass) {
        return commandLine.startsWith(javaExecutable() + " ") && commandLine.contains(" " + mainClass + " ");
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a process to start", e);
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
