package io.kvlog.kafka.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Starts Java programs as detached OS processes and manages them by pid.
 *
 * <p>A process is started in its own session ({@code setsid}) with its output appended to a log
 * file, so it outlives the JVM that started it and a closed terminal. It is recognised later by
 * pid <em>and</em> by a marker in its command line (a path only it uses), so a recycled pid is
 * never mistaken for it.
 *
 * <p>The whole life cycle of the local cluster's processes, brokers and nodes alike, goes through
 * here: start, find, wait until ready, terminate, kill.
 */
public final class JavaProcess {

    /** How long a new process may take to exec its final image; after that it is taken as it is. */
    private static final Duration EXEC_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration READY_POLL = Duration.ofMillis(200);
    private static final Duration READY_REPORT = Duration.ofSeconds(2);

    private JavaProcess() {
    }

    /**
     * Processes of one kind, each known by an id, as {@link #awaitReady} watches them.
     *
     * @param name      what one process is, for messages: {@code broker}, {@code node}
     * @param isRunning whether the process with an id is alive
     * @param isReady   whether it serves; asked only while it is alive
     * @param logFile   where it writes its output, whose last lines go into failure messages
     */
    public record Kind(String name, IntPredicate isRunning, IntPredicate isReady, IntFunction<Path> logFile) {
    }

    /** A process exited before it was ready, or was not ready in time. The message names it and shows its log's tail. */
    public static final class NotReadyException extends RuntimeException {
        private final int id;

        public NotReadyException(int id, String message) {
            super(message);
            this.id = id;
        }

        public int id() {
            return id;
        }
    }

    /**
     * Starts {@code mainClass} with the given JVM options and arguments on {@code classpath}.
     *
     * @return the pid of the new process
     */
    public static long start(String classpath, List<String> jvmOptions, String mainClass, List<String> args,
                             Path logFile, Path workDir) {
        return start(classpath, jvmOptions, mainClass, args, java.util.Map.of(), logFile, workDir);
    }

    /** As {@link #start(String, List, String, List, Path, Path)}, with {@code env} added to the environment (secrets: not in ps). */
    public static long start(String classpath, List<String> jvmOptions, String mainClass, List<String> args,
                             java.util.Map<String, String> env, Path logFile, Path workDir) {
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
        builder.environment().putAll(env);
        try {
            Files.createDirectories(workDir);
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
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
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
     * Waits until each of {@code ids} is ready. Fails at once, naming the process and its log file,
     * if one exits; fails the same way on timeout. Reports progress every 2 s.
     *
     * @throws NotReadyException if a process exited or was not ready within {@code timeout}
     */
    public static void awaitReady(Kind kind, Collection<Integer> ids, Duration timeout, Consumer<String> progress) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Set<Integer> waiting = new TreeSet<>(ids);
        long lastReport = start - READY_REPORT.toNanos(); // the first round that finds one not ready reports it
        try {
            while (true) {
                for (int id : waiting) {
                    if (!kind.isRunning().test(id)) {
                        throw new NotReadyException(id, kind.name() + " " + id + " exited before it was ready; see its log "
                                + kind.logFile().apply(id) + tail(kind.logFile().apply(id)));
                    }
                }
                waiting.removeIf(kind.isReady()::test);
                if (waiting.isEmpty()) {
                    return;
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    int id = waiting.iterator().next();
                    throw new NotReadyException(id, kind.name() + " " + id + " not ready after " + timeout.toSeconds()
                            + " s (waiting for " + waiting + "); see its log " + kind.logFile().apply(id)
                            + tail(kind.logFile().apply(id)));
                }
                if (now - lastReport >= READY_REPORT.toNanos()) {
                    progress.accept(String.format("waiting for %s(s) %s to be ready ... %d s", kind.name(), waiting,
                            TimeUnit.NANOSECONDS.toSeconds(now - start)));
                    lastReport = now;
                }
                Thread.sleep(READY_POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + kind.name() + "(s) " + waiting, e);
        }
    }

    /**
     * Terminates ({@link #terminate(ProcessHandle, Duration)}) the process with this pid and marker;
     * false if it was not running.
     */
    public static boolean terminate(long pid, String marker, Duration grace) {
        Optional<ProcessHandle> process = find(pid, marker);
        process.ifPresent(p -> terminate(p, grace));
        return process.isPresent();
    }

    /** Kills ({@link #kill(ProcessHandle)}) the process with this pid and marker; false if it was not running. */
    public static boolean kill(long pid, String marker) {
        Optional<ProcessHandle> process = find(pid, marker);
        process.ifPresent(JavaProcess::kill);
        return process.isPresent();
    }

    /**
     * Sends SIGTERM to every process at once, so they shut down in parallel, then SIGKILL to each
     * one still alive after {@code grace}.
     */
    public static void terminateAll(Collection<ProcessHandle> processes, Duration grace) {
        processes.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : processes) {
            if (!awaitExit(p, grace)) {
                kill(p);
            }
        }
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
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

    /** The last lines of a process's log file, for error messages; empty if it cannot be read. */
    public static String tail(Path logFile) {
        try {
            if (!Files.exists(logFile)) {
                return "";
            }
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            List<String> last = lines.subList(Math.max(0, lines.size() - 15), lines.size());
            return "\n--- last lines of " + logFile.getFileName() + " ---\n" + String.join("\n", last);
        } catch (IOException | UncheckedIOException e) {
            // an error message is being built: a log that cannot be read adds nothing to it
            return "";
        }
    }

    private static String commandLine(ProcessHandle handle) {
        // /proc/PID/cmdline is the full command line; ProcessHandle.Info may truncate it
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(handle.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
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
