package io.kvlog.materializer;

import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test's handle on a {@link MaterializerProcess}: a materializer in a child JVM on the test
 * classpath, which {@link #kill()} ends with SIGKILL. Its log goes to {@code <stateDir>.log}.
 */
final class MaterializerNode implements AutoCloseable {

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final Path stateDir;
    /** The last miss {@link #digest} got, for failure messages. */
    String lastMiss;
    // started in start(), ended in kill() or close()
    private final Process process;
    private final PrintStream commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    private MaterializerNode(String name, Path stateDir, Process process) {
        this.name = name;
        this.stateDir = stateDir;
        this.process = process;
        this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    answers.add(line);
                }
            } catch (IOException e) {
                answers.add("failed reading the node's output: " + e);
            }
            answers.add("exited");
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a node and waits until its materializer is RUNNING. */
    static MaterializerNode start(String name, String bootstrapServers, Path stateDir, String applicationServer,
                                  String applicationId, int standbys, MaterializerConfig.ProcessingGuarantee guarantee) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                MaterializerProcess.class.getName(),
                bootstrapServers, stateDir.toString(), applicationServer, applicationId, String.valueOf(standbys),
                guarantee.name()));
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.appendTo(Path.of(stateDir + ".log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + name, e);
        }
        MaterializerNode node = new MaterializerNode(name, stateDir, process);
        String first = node.next(Duration.ofSeconds(150));
        if (!"ready".equals(first)) {
            node.kill();
            throw new IllegalStateException("node " + name + " did not start: " + first + " (log: " + stateDir + ".log)");
        }
        return node;
    }

    long pid() {
        return process.pid();
    }

    /** The offset this node's copy of the partition has applied; -1 if none; null if it has no such copy (a miss). */
    Long position(int partition, boolean active) {
        String answer = ask("position " + partition + " " + (active ? "active" : "any"));
        return answer.startsWith("position ") ? Long.valueOf(answer.split(" ")[2]) : null;
    }

    /** The reply to a get: the entry (null if none) and the position of the copy; or null with the miss in {@code lastMiss}. */
    record Got(Entry entry, long position) {
    }

    Got get(String key, int partition, boolean active, long atLeast) {
        String answer = ask("get " + partition + " " + (active ? "active" : "any") + " " + atLeast + " " + key);
        if (!answer.startsWith("entry ")) {
            lastMiss = answer;
            return null;
        }
        String[] w = answer.split(" ");
        return new Got(w[3].equals("-") ? null : EntryCodec.decode(Base64.getDecoder().decode(w[3])),
                Long.parseLong(w[2]));
    }

    /** The outcome of an id in this node's copy (null if none); throws on a miss. */
    Outcome outcome(String id, int partition, boolean active) {
        String answer = ask("outcome " + partition + " " + (active ? "active" : "any") + " " + id);
        if (!answer.startsWith("outcome ")) {
            throw new AssertionError(name + " could not read outcome " + id + ": " + answer);
        }
        String json = answer.split(" ", 4)[3];
        return json.equals("-") ? null : OutcomeCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    /** This node's digest of the partition, or null with the miss in {@code lastMiss}. */
    Digest digest(int partition, boolean active) {
        String answer = ask("digest " + partition + " " + (active ? "active" : "any"));
        if (!answer.startsWith("digest ")) {
            lastMiss = answer;
            return null;
        }
        String[] w = answer.split(" ");
        return new Digest(Integer.parseInt(w[1]), Long.parseLong(w[2]), w[3], Long.parseLong(w[4]), Long.parseLong(w[5]));
    }

    /** Partition -> whether this node's copy is active. */
    Map<Integer, Boolean> copies() {
        Map<Integer, Boolean> copies = new TreeMap<>();
        String answer = ask("copies");
        for (String copy : answer.substring("copies".length()).trim().split(" ")) {
            if (!copy.isEmpty()) {
                String[] pa = copy.split(":");
                copies.put(Integer.parseInt(pa[0]), pa[1].equals("A"));
            }
        }
        return copies;
    }

    String counters() {
        return ask("counters");
    }

    /** SIGKILL: no shutdown hook, no commit, no checkpoint. */
    void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** Clean shutdown. */
    @Override
    public void close() {
        if (process.isAlive()) {
            commands.println("close");
            if (!waitFor(Duration.ofSeconds(60))) {
                kill();
            }
        }
    }

    private synchronized String ask(String command) {
        if (!process.isAlive()) {
            throw new IllegalStateException("node " + name + " is not running; asked: " + command);
        }
        commands.println(command);
        return next(ANSWER_TIMEOUT);
    }

    private String next(Duration timeout) {
        try {
            String line = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new IllegalStateException("node " + name + " did not answer within " + timeout);
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for node " + name, e);
        }
    }

    private void waitFor() {
        waitFor(Duration.ofSeconds(30));
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
