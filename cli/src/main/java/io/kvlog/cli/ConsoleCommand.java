package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
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

    private static final ObjectMapper JSON = new ObjectMapper();
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
        out.line("kvlog console on " + client.baseUrl() + " — 'help' for commands, 'quit' to leave");
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
                case "put" -> write(client.put(arg(words, 1, "KEY"), arg(words, 2, "VALUE"), Map.of()));
                case "get" -> read(client.get(arg(words, 1, "KEY"), pastValue(words)));
                case "delete" -> write(client.delete(single(words, "KEY"), Map.of()));
                case "append" -> write(client.append(arg(words, 1, "KEY"), arg(words, 2, "SUFFIX"), Map.of()));
                case "scan" -> scan(words.length > 1 ? line.substring(line.indexOf(' ') + 1).strip() : null);
                case "history" -> history(arg(words, 1, "KEY"), words.length > 2 ? count(words[2]) : null);
                case "use" -> use(single(words, "NODE"));
                default -> "unknown command '" + command + "'; type 'help'";
            };
        } catch (IllegalArgumentException e) {
            return "error: " + e.getMessage();
        } catch (KvException e) {
            return "error: " + e.getMessage();
        }
    }

    private String use(String node) {
        client.use(node.matches("\\d+")
                ? new LocalNodes(options.cluster.openCluster()).node(Integer.parseInt(node)).url() : node);
        return "now using " + client.baseUrl();
    }

    private static String arg(String[] words, int index, String name) {
        if (words.length <= index || words[index].isEmpty()) {
            throw new IllegalArgumentException("missing " + name + "; type 'help'");
        }
        return words[index];
    }

    /** The params of {@code get KEY [@N|@TIME]}. */
    private static Map<String, String> pastValue(String[] words) {
        if (words.length < 3) {
            return Map.of();
        }
        String at = words[2];
        if (!at.startsWith("@") || at.length() == 1 || at.contains(" ")) {
            throw new IllegalArgumentException("expected get KEY, get KEY @VERSION or get KEY @TIME, got '"
                    + String.join(" ", words) + "'");
        }
        String when = at.substring(1);
        return when.matches("\\d+") ? Map.of("version", when)
                : Map.of("as-of", TimeArgs.instant(when, Clock.systemDefaultZone()).toString());
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

    private static String write(KvClient.Reply reply) {
        JsonNode body = parse(reply);
        return switch (reply.status()) {
            case 200 -> (body.has("value") ? body.path("value").asText() + "  " : "")
                    + "OK version " + body.path("version").asText() + " [" + reply.node() + "]";
            case 412 -> "precondition failed: current version " + body.path("currentVersion").asText();
            case 504 -> "FAILED (outcome unknown): " + body.path("reason").asText();
            default -> "error " + reply.status() + ": " + body.path("message").asText(reply.body());
        };
    }

    private static String read(KvClient.Reply reply) {
        JsonNode body = parse(reply);
        return switch (reply.status()) {
            case 200 -> body.path("value").asText() + "  (version " + body.path("version").asText() + ", "
                    + reply.node() + ")";
            case 404 -> body.has("key") ? "(not found" + (body.hasNonNull("reason") ? ": " + body.path("reason").asText() : "")
                    + ")" : "error 404: " + body.path("message").asText();
            default -> "error " + reply.status() + ": " + body.path("message").asText(reply.body());
        };
    }

    private String scan(String prefix) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("prefix", prefix);
        KvClient.Reply reply = client.scan(params);
        JsonNode body = parse(reply);
        if (reply.status() != 200) {
            return "error " + reply.status() + ": " + body.path("message").asText(reply.body());
        }
        List<String> lines = new ArrayList<>();
        body.path("items").forEach(i -> lines.add(i.path("key").asText() + " = " + i.path("value").asText()));
        if (lines.isEmpty()) {
            return "(no keys)";
        }
        if (body.hasNonNull("cursor")) {
            lines.add("(more keys; use kv scan --cursor " + body.path("cursor").asText() + ")");
        }
        return String.join("\n", lines);
    }

    private String history(String key, Integer limit) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("limit", limit == null ? null : limit.toString());
        KvClient.Reply reply = client.history(key, params);
        JsonNode body = parse(reply);
        return switch (reply.status()) {
            case 200 -> ClientCommands.history(body, key, limit);
            case 404 -> body.has("key") ? "(not found)" : "error 404: " + body.path("message").asText();
            default -> "error " + reply.status() + ": " + body.path("message").asText(reply.body());
        };
    }

    /**
     * Prints the changes under {@code prefix} as they come, from a thread of its own, until
     * {@code untilStopped} returns (the user pressed Enter) or the watch fails; returns the last line to print.
     */
    String watch(String prefix, Runnable untilStopped) {
        Map<String, String> params = Map.of("prefix", prefix);
        AtomicReference<KvException> failure = new AtomicReference<>();
        try (KvWatch watch = new KvWatch(client, params, ClientCommands.Watch.PROGRESS,
                ClientCommands.Watch.FIRST_WAIT, out::progress)) {
            Thread follower = new Thread(() -> {
                try {
                    watch.run(event -> {
                        if (event.isChange()) {
                            out.line(change(event.data()));
                        }
                    }, null);
                } catch (KvException e) {
                    failure.set(e);
                    out.line("error: " + e.getMessage() + " (press Enter)");
                }
            }, "kv-console-watch");
            out.line("watching " + (prefix.isEmpty() ? "every key" : "keys starting with " + prefix) + " on "
                    + client.baseUrl() + "; press Enter to stop");
            follower.start();
            untilStopped.run();
            watch.stop();
            try {
                follower.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return failure.get() == null ? "(watch stopped)" : "(watch ended)";
    }

    private static String change(String data) {
        try {
            return ClientCommands.change(JSON.readTree(data));
        } catch (IOException e) {
            return data;
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

    private static JsonNode parse(KvClient.Reply reply) {
        try {
            return JSON.readTree(reply.body());
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", reply.body());
        }
    }
}
