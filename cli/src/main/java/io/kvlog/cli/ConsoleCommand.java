package io.kvlog.cli;

import io.kvlog.client.Consistency;
import io.kvlog.client.GetResult;
import io.kvlog.client.KvClient;
import io.kvlog.client.OperationAck;
import io.kvlog.client.OperationFailedException;
import io.kvlog.client.PreconditionFailedException;
import io.kvlog.client.ReadOptions;
import io.kvlog.client.ScanPage;
import io.kvlog.client.Watch;
import io.kvlog.client.WatchEvent;
import io.kvlog.client.WatchRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kv console}: an interactive client, one request per line, with line editing and history
 * (kept in {@code DATA/console-history}). Reads plain lines when stdin is not a terminal, so it can
 * be scripted. Requests fail over as the client commands' do ({@link KvClient}): the node that
 * answered last stays the current one.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Interactive client: one request per line, replies printed as they come.",
                "Type 'help' for the commands."})
final class ConsoleCommand implements Callable<Integer> {

    static final String HELP = String.join("\n",
            "put KEY VALUE      write a value (VALUE is the rest of the line)",
            "get KEY            read a key (linearizable)",
            "get KEY @N         the value the key had at version N",
            "get KEY @TIME      the value it had at TIME: 2026-12-02T06:00:00Z, 2026-12-02T07:00:00 (local),",
            "                   or a time ago: -30s, -5m, -2h, -1d",
            "delete KEY         remove a key",
            "append KEY SUFFIX  append to a key's value",
            "scan [PREFIX]      list keys in order",
            "history KEY [N]    the key's versions, newest first (the last N)",
            "watch [PREFIX]     print changes to every key (or those starting with PREFIX) as they come;",
            "                   Enter or Ctrl-C stops",
            "use NODE           send requests to node NODE (an id of the local cluster, or a URL);",
            "                   when it does not answer, the next node is tried and kept",
            "help               this text",
            "quit               leave (or Ctrl-D)");

    @ParentCommand
    Kv kv;

    @Mixin
    ClientCommands.ClientOptions options;

    private KvClient client;
    private Output out;

    ConsoleCommand() {
    }

    /** A console over {@code client} that prints to {@code out}, without a terminal: for tests. */
    ConsoleCommand(KvClient client, Output out) {
        this.client = client;
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        out = kv.output();
        client = options.client(out::progress);
        out.line("kvlog console on " + client.currentNode() + " — 'help' for commands, 'quit' to leave");
        try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal)
                    .variable(LineReader.HISTORY_FILE, history())
                    .build();
            while (true) {
                String line;
                try {
                    line = reader.readLine("kv> ");
                } catch (UserInterruptException e) {
                    continue;
                } catch (EndOfFileException e) {
                    return ExitCode.OK;
                }
                String trimmed = line.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (trimmed.equals("quit") || trimmed.equals("exit")) {
                    return ExitCode.OK;
                }
                if (trimmed.equals("watch") || trimmed.startsWith("watch ")) {
                    out.line(watch(trimmed.substring("watch".length()).strip(), () -> untilEnter(reader)));
                    continue;
                }
                out.line(run(trimmed));
            }
        }
    }

    private Path history() {
        return options.cluster.dataDir().resolve("console-history");
    }

    /** Runs one console line and returns what to print. */
    String run(String line) {
        String[] words = line.split("\\s+", 3);
        String command = words[0];
        try {
            return switch (command) {
                case "help" -> HELP;
                case "put" -> write(client.put(arg(words, 1, "KEY"), arg(words, 2, "VALUE")));
                case "get" -> read(client.get(arg(words, 1, "KEY"), pastValue(words)));
                case "delete" -> write(client.delete(single(words, "KEY")));
                case "append" -> write(client.append(arg(words, 1, "KEY"), arg(words, 2, "SUFFIX")));
                case "scan" -> scan(words.length > 1 ? line.substring(line.indexOf(' ') + 1).strip() : null);
                case "history" -> history(arg(words, 1, "KEY"), words.length > 2 ? count(words[2]) : null);
                case "use" -> use(single(words, "NODE"));
                default -> "unknown command '" + command + "'; type 'help'";
            };
        } catch (PreconditionFailedException e) {
            return "precondition failed: current version " + e.currentVersion();
        } catch (OperationFailedException e) {
            return "FAILED (outcome unknown): " + e.result().reason();
        } catch (IllegalArgumentException | KvException | io.kvlog.client.KvException e) {
            return "error: " + e.getMessage();
        }
    }

    private String use(String node) {
        client.use(node.matches("\\d+")
                ? new LocalNodes(options.cluster.openCluster()).node(Integer.parseInt(node)).url() : node);
        return "now using " + client.currentNode();
    }

    private static String arg(String[] words, int index, String name) {
        if (words.length <= index || words[index].isEmpty()) {
            throw new IllegalArgumentException("missing " + name + "; type 'help'");
        }
        return words[index];
    }

    /** How {@code get KEY [@N|@TIME]} reads: linearizable, or a past value. */
    private static ReadOptions pastValue(String[] words) {
        if (words.length < 3) {
            return ReadOptions.at(Consistency.LINEARIZABLE);
        }
        String at = words[2];
        if (!at.startsWith("@") || at.length() == 1 || at.contains(" ")) {
            throw new IllegalArgumentException("expected get KEY, get KEY @VERSION or get KEY @TIME, got '"
                    + String.join(" ", words) + "'");
        }
        String when = at.substring(1);
        return when.matches("\\d+") ? ReadOptions.atVersion(Long.parseLong(when))
                : ReadOptions.asOf(TimeArgs.instant(when, Clock.systemDefaultZone()));
    }

    private static int count(String text) {
        if (!text.matches("[1-9]\\d{0,8}")) {
            throw new IllegalArgumentException("expected a number of versions, got '" + text + "'");
        }
        return Integer.parseInt(text);
    }

    private static String single(String[] words, String name) {
        if (words.length > 2) {
            throw new IllegalArgumentException("too many arguments: expected one " + name);
        }
        return arg(words, 1, name);
    }

    private String write(OperationAck ack) {
        return ack.value().map(v -> v + "  ").orElse("") + "OK version " + ack.version() + " ["
                + client.currentNode() + "]";
    }

    private String read(GetResult result) {
        return result.value().map(v -> v + "  (version " + result.version() + ", " + client.currentNode() + ")")
                .orElse("(not found" + result.reason().map(r -> ": " + r).orElse("") + ")");
    }

    private String scan(String prefix) {
        ScanPage page = client.scanPage(prefix, 0, null, Consistency.LINEARIZABLE);
        List<String> lines = new ArrayList<>();
        page.items().forEach(i -> lines.add(i.key() + " = " + i.value()));
        if (lines.isEmpty()) {
            return "(no keys)";
        }
        page.cursor().ifPresent(c -> lines.add("(more keys; use kv scan --cursor " + c + ")"));
        return String.join("\n", lines);
    }

    private String history(String key, Integer limit) {
        return ClientCommands.history(client.history(key, limit == null ? 0 : limit, 0), key, limit);
    }

    /**
     * Prints the changes under {@code prefix} as they come (the watch's own thread prints them),
     * until {@code untilStopped} returns (the user pressed Enter) or the watch fails; returns the
     * last line to print.
     */
    String watch(String prefix, Runnable untilStopped) {
        Watch watch = client.watch(WatchRequest.prefix(prefix), event -> {
            if (event instanceof WatchEvent.Change change) {
                out.line(ClientCommands.change(change));
            }
        });
        watch.done().whenComplete((done, failure) -> {
            if (failure != null) {
                out.line("error: " + failure.getMessage() + " (press Enter)");
            }
        });
        out.line("watching " + (prefix.isEmpty() ? "every key" : "keys starting with " + prefix) + " on "
                + client.currentNode() + "; press Enter to stop");
        untilStopped.run();
        watch.close();
        try {
            watch.done().get();
            return "(watch stopped)";
        } catch (ExecutionException e) {
            return "(watch ended)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(watch stopped)";
        }
    }

    /** Waits for Enter, Ctrl-C or the end of input. */
    private static void untilEnter(LineReader reader) {
        try {
            reader.readLine("");
        } catch (UserInterruptException | EndOfFileException e) {
            // either one ends the watch, as Enter does; at the end of input the prompt then ends the console
        }
    }
}
