package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.kafka.LocalKafkaCluster;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The client commands: {@code kv get|put|update|delete|append|scan|history}. */
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

    /** How long a value may be on one line of history before it is cut. */
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
}
