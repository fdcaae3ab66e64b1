package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.kafka.LocalKafkaCluster;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The client commands: {@code kv get|put|update|delete|append|scan|history|watch}. */
final class ClientCommands {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClientCommands() {
    }

    /** Options every client command takes. */
    static final class ClientOptions {
        @Option(names = {"-H", "--url"}, paramLabel = "URL[,URL...]", defaultValue = "${env:KV_URL}",
                description = {"Node(s) to send the request to: one URL or a comma-separated list (env KV_URL;"
                        + " default: the nodes of the local cluster, from the first ready one).",
                        "When a node does not answer (no connection, or 503 not ready), the next one is tried."})
        String url;

        @Mixin
        ClusterOptions cluster;

        @Option(names = "--json", description = "Print the reply's JSON as it came.")
        boolean json;

        /** A client over the nodes of -H, or of the local cluster; {@code notice} hears of each node that did not answer. */
        KvClient client(Consumer<String> notice) {
            if (url != null && !url.isBlank()) {
                return new KvClient(KvClient.parseUrls(url), notice);
            }
            if (!LocalKafkaCluster.exists(cluster.dataDir())) {
                throw KvException.unreachable("no node given (-H URL or KV_URL) and no local cluster in "
                        + cluster.dataDir() + "; start one with 'kv up'");
            }
            List<String> urls = new LocalNodes(cluster.openCluster()).urlsFromFirstReady();
            if (urls.isEmpty()) {
                throw KvException.unreachable("no node of the local cluster in " + cluster.dataDir()
                        + " is ready; see 'kv node list'");
            }
            return new KvClient(urls, notice);
        }
    }

    /** Base of the client commands: sends, then prints the reply and maps its status to an exit code. */
    abstract static class ClientCommand implements Callable<Integer> {
        @ParentCommand
        Kv kv;

        @Mixin
        ClientOptions options;

        Map<String, String> params() {
            return new LinkedHashMap<>();
        }

        abstract KvClient.Reply send(KvClient client);

        /** The human form of a 2xx reply. */
        abstract String describe(JsonNode body);

        @Override
        public Integer call() {
            Output out = kv.output();
            KvClient.Reply reply = send(options.client(out::progress));
            JsonNode body;
            try {
                body = JSON.readTree(reply.body());
            } catch (IOException e) {
                throw new KvException(ExitCode.FAILED, "unreadable reply (" + reply.status() + "): " + reply.body());
            }
            if (options.json) {
                out.line(reply.body());
            }
            int status = reply.status();
            if (status >= 200 && status < 300) {
                if (!options.json) {
                    out.line(describe(body));
                }
                return ExitCode.OK;
            }
            String message = switch (status) {
                case 404 -> body.has("key") ? "not found: " + body.path("key").asText()
                        + (body.hasNonNull("reason") ? " (" + body.path("reason").asText() + ")" : "")
                        : body.path("message").asText();
                case 412 -> "precondition failed: current version " + body.path("currentVersion").asText();
                case 504 -> "failed (outcome unknown, retry with --id " + body.path("id").asText() + "): "
                        + body.path("reason").asText();
                default -> body.path("message").asText(reply.body());
            };
            if (!options.json) {
                out.progress("kv: " + message);
            }
            return status == 400 || status == 413 || status == 415 ? ExitCode.USAGE : ExitCode.FAILED;
        }
    }

    /** A client command that sends a request id ({@code --id}). */
    abstract static class IdentifiedCommand extends ClientCommand {
        @Option(names = "--id", paramLabel = "ID",
                description = {"Request id: a retry with the same id takes effect once.",
                        "A write without one gets a new UUID from kv: retried on another node, it still takes effect at most once."})
        String id;

        @Override
        Map<String, String> params() {
            Map<String, String> p = super.params();
            p.put("id", id);
            return p;
        }
    }

    static String ack(JsonNode body) {
        String text = "OK version " + body.path("version").asText() + " (token " + body.path("token").asText() + ")";
        return body.has("value") ? body.path("value").asText() + "\n" + text : text;
    }

    // no mixinStandardHelpOptions: its --version would be kv's version, not the key's
    @Command(name = "get", description = {"Read a key; prints its value.",
            "With --version or --as-of, the value the key had then: exit 1 with the reason if it had none."})
    static final class Get extends IdentifiedCommand {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @ArgGroup(exclusive = true)
        PastValue past;

        /** Which past value: at most one of the two. */
        static final class PastValue {
            @Option(names = "--version", paramLabel = "N", required = true,
                    description = "The value the key had at version N (see kv history); not found if N was a delete"
                            + " or never one of its versions.")
            Long version;

            @Option(names = "--as-of", paramLabel = "TIME", required = true, converter = TimeArgs.InstantConverter.class,
                    description = {"The value the key had at TIME: an ISO-8601 instant (2026-12-02T06:00:00Z,"
                            + " 2026-12-02T07:00:00+01:00), a local date-time in this machine's time zone"
                            + " (2026-12-02T07:00:00), or a time ago on this machine's clock (-30s, -5m, -2h, -1d)."})
            Instant asOf;
        }

        @Option(names = "--consistency", paramLabel = "LEVEL", description = "linearizable (default), session or eventual.")
        String consistency;

        @Option(names = "--after", paramLabel = "TOKEN", description = "Session reads: wait until this token is applied.")
        String after;

        @Override
        KvClient.Reply send(KvClient client) {
            Map<String, String> p = params();
            p.put("consistency", consistency);
            p.put("after", after);
            if (past != null) {
                p.put("version", past.version == null ? null : past.version.toString());
                p.put("as-of", past.asOf == null ? null : past.asOf.toString());
            }
            return client.get(key, p);
        }

        @Override
        String describe(JsonNode body) {
            return body.path("value").asText();
        }
    }

    /** Options of the writes. */
    abstract static class WriteCommand extends IdentifiedCommand {
        @Option(names = "--wait", paramLabel = "LEVEL", description = "Ack after: log (default), applied or all.")
        String wait;

        @Option(names = "--if-version", paramLabel = "N", description = "Only if the key's version is N (0: only if absent).")
        Long ifVersion;

        @Override
        Map<String, String> params() {
            Map<String, String> p = super.params();
            p.put("wait", wait);
            p.put("if-version", ifVersion == null ? null : ifVersion.toString());
            return p;
        }

        @Override
        String describe(JsonNode body) {
            return ack(body);
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Write a key's value.")
    static class Put extends WriteCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        KvClient.Reply send(KvClient client) {
            return client.put(key, value, params());
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Write a key's value only if the key exists.")
    static final class Update extends Put {
        @Override
        Map<String, String> params() {
            Map<String, String> p = super.params();
            p.put("if-exists", "true");
            return p;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a key.")
    static final class Delete extends WriteCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Override
        KvClient.Reply send(KvClient client) {
            return client.delete(key, params());
        }
    }

    @Command(name = "append", mixinStandardHelpOptions = true,
            description = "Append to a key's value (created if absent); prints the new value.")
    static final class Append extends IdentifiedCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "SUFFIX")
        String suffix;

        @Override
        KvClient.Reply send(KvClient client) {
            return client.append(key, suffix, params());
        }

        @Override
        String describe(JsonNode body) {
            return ack(body);
        }
    }

    @Command(name = "scan", mixinStandardHelpOptions = true, description = "List keys in order, with their values.")
    static final class Scan extends ClientCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX")
        String prefix;

        @Option(names = "--limit", paramLabel = "N", description = "At most N items (default: the server's).")
        Integer limit;

        @Option(names = "--cursor", paramLabel = "CURSOR", description = "Continue a previous scan.")
        String cursor;

        @Option(names = "--consistency", paramLabel = "LEVEL", description = "linearizable, session or eventual.")
        String consistency;

        @Override
        KvClient.Reply send(KvClient client) {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("prefix", prefix);
            p.put("limit", limit == null ? null : limit.toString());
            p.put("cursor", cursor);
            p.put("consistency", consistency);
            return client.scan(p);
        }

        @Override
        String describe(JsonNode body) {
            StringBuilder s = new StringBuilder();
            for (JsonNode item : body.path("items")) {
                s.append(item.path("key").asText()).append('\t').append(item.path("value").asText()).append('\n');
            }
            if (!body.path("cursor").isNull() && !body.path("cursor").isMissingNode()) {
                s.append("(more: --cursor ").append(body.path("cursor").asText()).append(")\n");
            }
            return s.toString().stripTrailing();
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = {"List a key's versions, newest first.",
                    "One line each: version, type (put, append or delete), time, request id and the value the key had"
                            + " then (long values cut; --json has them whole). Read one with 'kv get KEY --version N'."})
    static final class History extends ClientCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Option(names = "--limit", paramLabel = "N", description = "At most N versions (default: the server's).")
        Integer limit;

        @Option(names = "--before", paramLabel = "VERSION",
                description = "Only versions older than VERSION: the next page, as the last one says.")
        Long before;

        @Override
        KvClient.Reply send(KvClient client) {
            Map<String, String> p = params();
            p.put("limit", limit == null ? null : limit.toString());
            p.put("before", before == null ? null : before.toString());
            return client.history(key, p);
        }

        @Override
        String describe(JsonNode body) {
            return history(body, key, limit);
        }
    }

    /** How long a value may be on one line of history or watch before it is cut. */
    static final int VALUE_WIDTH = 60;

    /** A history page as a table, and how to get the next one. */
    static String history(JsonNode body, String key, Integer limit) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode item : body.path("items")) {
            rows.add(List.of(item.path("version").asText(), item.path("type").asText(),
                    item.path("time").asText("-"), item.hasNonNull("id") ? item.path("id").asText() : "-",
                    item.hasNonNull("value") ? Output.oneLine(item.path("value").asText(), VALUE_WIDTH) : "-"));
        }
        if (rows.isEmpty()) {
            return "(no versions)";
        }
        List<String> lines = new ArrayList<>(Output.tableLines(List.of("VERSION", "TYPE", "TIME", "ID", "VALUE"), rows));
        if (body.hasNonNull("next")) {
            lines.add("(older versions: kv history " + Output.shellWord(key) + (limit == null ? "" : " --limit " + limit)
                    + " --before " + body.path("next").asText() + ")");
        }
        return String.join("\n", lines);
    }

    /** One change of a watch on one line: {@code put  key=value  (version 12, 3:11)}. */
    static String change(JsonNode change) {
        String type = change.path("type").asText();
        String key = change.path("key").asText();
        String value = change.hasNonNull("value") ? Output.oneLine(change.path("value").asText(), VALUE_WIDTH) : "";
        String what = switch (type) {
            case "put" -> key + "=" + value;
            case "append" -> key + "+=" + value;
            default -> key;
        };
        return String.format("%-6s  %s  (version %s, %s)", type, what, change.path("version").asText(),
                change.path("token").asText());
    }

    /** A progress event on one line: {@code progress  0:5,1:3  (caught up)}. */
    static String progress(JsonNode progress) {
        return "progress  " + progress.path("positions").asText() + "  ("
                + (progress.path("caughtUp").asBoolean() ? "caught up" : "catching up") + ")";
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Print changes to keys as they come, until Ctrl-C.",
                    "One line each: every key's changes (no PREFIX), those of the keys starting with PREFIX, or one"
                            + " key's (--key). With --json, each change's JSON as the node sent it, one a line.",
                    "When the stream drops, the watch resumes on the next node (-H) right after the last change"
                            + " or progress seen: nothing missed, nothing repeated. It gives up after "
                            + KvWatch.MAX_TRIES + " tries in a row that bring nothing (exit 3).",
                    "Ends with exit 1 when the node ends the watch with an error, which goes to stderr."})
    static final class Watch implements Callable<Integer> {
        /** How often the node is asked for a progress event; three missed in a row count as a dropped stream. */
        static final Duration PROGRESS = Duration.ofSeconds(5);
        /** The wait before the second try to reopen a dropped watch; it doubles with each further try. */
        static final Duration FIRST_WAIT = Duration.ofMillis(250);

        @ParentCommand
        Kv kv;

        @Mixin
        ClientOptions options;

        @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX",
                description = "Watch the keys that start with PREFIX (default: every key).")
        String prefix;

        @Option(names = "--key", paramLabel = "KEY", description = "Watch this one key (not with PREFIX).")
        String key;

        @Option(names = "--from", paramLabel = "now|0|TOKEN",
                description = {"Where to start: now (default), the changes from now on; 0, every change the log"
                        + " holds, oldest first; TOKEN, the changes after a token or a position vector"
                        + " (p:o,p:o,...), such as a write's token."})
        String from;

        @Option(names = "--progress",
                description = "Also print the progress events (the positions every partition is read to, every 5 s).")
        boolean progress;

        @Option(names = "--max-events", paramLabel = "N", description = "Stop after N changes (exit 0).")
        Integer maxEvents;

        @Option(names = "--timeout", paramLabel = "DURATION", converter = TimeArgs.DurationConverter.class,
                description = {"Stop after DURATION (500ms, 10s, 5m, 2h or PT10S): exit 0, or exit 1 if"
                        + " --max-events was given and fewer changes came."})
        Duration timeout;

        @Override
        public Integer call() {
            if (key != null && prefix != null) {
                throw new IllegalArgumentException("give a PREFIX or --key, not both");
            }
            if (maxEvents != null && maxEvents < 1) {
                throw new IllegalArgumentException("--max-events must be at least 1, got " + maxEvents);
            }
            if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
                throw new IllegalArgumentException("--timeout must be positive, got " + TimeArgs.format(timeout));
            }
            Map<String, String> params = new LinkedHashMap<>();
            if (key != null) {
                params.put("key", KvClient.key(key));
            } else {
                params.put("prefix", prefix == null ? "" : prefix);
            }
            params.put("from", from);
            Output out = kv.output();
            int[] changes = {0};
            try (KvWatch watch = new KvWatch(options.client(out::progress), params, PROGRESS, FIRST_WAIT,
                    out::progress)) {
                watch.run(event -> {
                    if (event.isChange()) {
                        out.line(options.json ? event.data() : describe(event.data(), ClientCommands::change));
                        if (maxEvents != null && ++changes[0] >= maxEvents) {
                            watch.stop();
                        }
                    } else if (progress && event.isProgress()) {
                        out.line(options.json ? event.data() : describe(event.data(), ClientCommands::progress));
                    }
                }, timeout);
            }
            if (maxEvents != null && changes[0] < maxEvents) {
                throw new KvException(ExitCode.FAILED, changes[0] + " of " + maxEvents + " changes within "
                        + TimeArgs.format(timeout));
            }
            return ExitCode.OK;
        }

        private static String describe(String data, Function<JsonNode, String> form) {
            try {
                return form.apply(JSON.readTree(data));
            } catch (IOException e) {
                return data; // not JSON: shown as it came
            }
        }
    }
}
