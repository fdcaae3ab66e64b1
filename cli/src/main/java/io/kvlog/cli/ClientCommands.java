package io.kvlog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.kvlog.client.Consistency;
import io.kvlog.client.Entry;
import io.kvlog.client.GetResult;
import io.kvlog.client.HistoryPage;
import io.kvlog.client.KeyVersion;
import io.kvlog.client.KvClient;
import io.kvlog.client.OperationAck;
import io.kvlog.client.ReadOptions;
import io.kvlog.client.ScanPage;
import io.kvlog.client.Wait;
import io.kvlog.client.WatchEvent;
import io.kvlog.client.WatchRequest;
import io.kvlog.client.WriteOptions;
import io.kvlog.kafka.LocalKafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The client commands: {@code kv get|put|update|delete|append|scan|history|watch}, through {@link KvClient}. */
final class ClientCommands {

    /** Typed results as JSON: an empty Optional is null, an Instant its ISO-8601 text. */
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module())
            .registerModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private ClientCommands() {
    }

    /** {@code result} as one line of JSON. */
    static String json(Object result) {
        try {
            return JSON.writeValueAsString(result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

        @Option(names = "--json", description = "Print the result as JSON, one line.")
        boolean json;

        @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:KV_TOKEN}",
                description = {"Bearer token for nodes with auth on (env KV_TOKEN, which ps does not show; default: the",
                        "local cluster's admin token when it has auth on and no -H is given)."})
        String token;

        @Option(names = "--cacert", paramLabel = "PEM", defaultValue = "${env:KV_CACERT}",
                description = "CA certificate(s) to check https:// nodes against (env KV_CACERT; default: the JDK's).")
        Path caCert;

        @Option(names = "--client-cert", paramLabel = "PEM", defaultValue = "${env:KV_CLIENT_CERT}",
                description = "Client certificate for nodes that require one (env KV_CLIENT_CERT); with --client-key.")
        Path cert;

        @Option(names = "--client-key", paramLabel = "PEM", defaultValue = "${env:KV_CLIENT_KEY}",
                description = "The PKCS#8 private key of --client-cert (env KV_CLIENT_KEY).")
        Path key;

        /**
         * A client over the nodes of -H, or of the local cluster, in that order: it stays on the
         * node that answered last, reads linearizable unless told otherwise, and {@code notice}
         * hears of each node that did not answer.
         */
        KvClient client(Consumer<String> notice) {
            List<String> urls = urls();
            String bearer = token != null && !token.isBlank() ? token
                    : url == null || url.isBlank() ? LocalAuth.adminToken(cluster.dataDir()) : null;
            return KvClient.builder(urls).discover(false).spread(false).consistency(Consistency.LINEARIZABLE)
                    .requestTimeout(Duration.ofSeconds(30)).notice(notice).token(bearer).caCert(caCert)
                    .clientCertificate(cert, key).build();
        }

        private List<String> urls() {
            if (url != null && !url.isBlank()) {
                List<String> urls = Arrays.stream(url.split(",")).filter(u -> !u.isBlank()).map(String::strip).toList();
                if (urls.isEmpty()) {
                    throw new IllegalArgumentException("no URL in '" + url + "'");
                }
                return urls;
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
            return urls;
        }
    }

    /**
     * Base of the client commands: sends through the client, prints the result (its human form, or
     * JSON). Refusals and failures come as the client's exceptions, which {@link Kv} turns into a
     * message and an exit code.
     */
    abstract static class ClientCommand<R> implements Callable<Integer> {
        @ParentCommand
        Kv kv;

        @Mixin
        ClientOptions options;

        abstract R send(KvClient client);

        /** The human form of a result. */
        abstract String describe(R result);

        @Override
        public Integer call() {
            Output out = kv.output();
            R result;
            try (KvClient client = options.client(out::progress)) {
                result = send(client);
            }
            if (options.json) {
                out.line(json(result));
            }
            if (result instanceof GetResult get && get.value().isEmpty()) {
                throw KvException.notFound("not found: " + get.key() + get.reason().map(r -> " (" + r + ")").orElse(""));
            }
            if (!options.json) {
                out.line(describe(result));
            }
            return ExitCode.OK;
        }
    }

    /** A client command that sends a request id ({@code --id}). */
    abstract static class IdentifiedCommand<R> extends ClientCommand<R> {
        @Option(names = "--id", paramLabel = "ID",
                description = {"Request id: a retry with the same id takes effect once.",
                        "A write without one gets a new UUID from kv: retried on another node, it still takes effect at most once."})
        String id;
    }

    static String ack(OperationAck ack) {
        String text = "OK version " + ack.version() + " (token " + ack.token() + ")";
        return ack.value().map(v -> v + "\n" + text).orElse(text);
    }

    // no mixinStandardHelpOptions: its --version would be kv's version, not the key's
    @Command(name = "get", description = {"Read a key; prints its value.",
            "With --version or --as-of, the value the key had then: exit 1 with the reason if it had none."})
    static final class Get extends IdentifiedCommand<GetResult> {
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

        @Option(names = "--consistency", paramLabel = "LEVEL", converter = LevelConverter.class,
                description = "linearizable (default), session or eventual.")
        Consistency consistency;

        @Option(names = "--after", paramLabel = "TOKEN",
                description = "Session reads: wait until this token (or position P:O,P:O,...) is applied.")
        String after;

        @Override
        GetResult send(KvClient client) {
            ReadOptions read = past == null ? ReadOptions.DEFAULT
                    : past.version != null ? ReadOptions.atVersion(past.version) : ReadOptions.asOf(past.asOf);
            return client.get(key, read.consistency(consistency).id(id).after(after));
        }

        @Override
        String describe(GetResult result) {
            return result.value().orElse("");
        }
    }

    /** Options of the writes. */
    abstract static class WriteCommand extends IdentifiedCommand<OperationAck> {
        @Option(names = "--wait", paramLabel = "LEVEL", converter = WaitConverter.class,
                description = "Ack after: log (default), applied or all.")
        Wait wait;

        @Option(names = "--if-version", paramLabel = "N", description = "Only if the key's version is N (0: only if absent).")
        Long ifVersion;

        WriteOptions writeOptions() {
            WriteOptions options = WriteOptions.withId(id).ack(wait);
            return ifVersion == null ? options : options.ifVersion(ifVersion);
        }

        @Override
        String describe(OperationAck result) {
            return ack(result);
        }
    }

    /** {@code --consistency}: the names in lower case. */
    static final class LevelConverter implements CommandLine.ITypeConverter<Consistency> {
        @Override
        public Consistency convert(String value) {
            return choice(Consistency.class, value);
        }
    }

    /** {@code --wait}: the names in lower case. */
    static final class WaitConverter implements CommandLine.ITypeConverter<Wait> {
        @Override
        public Wait convert(String value) {
            return choice(Wait.class, value);
        }
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        throw new CommandLine.TypeConversionException("expected one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList() + ", got '" + value + "'");
    }

    @Command(name = "put", mixinStandardHelpOptions = true, description = "Write a key's value.")
    static class Put extends WriteCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        OperationAck send(KvClient client) {
            return client.put(key, value, writeOptions());
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Write a key's value only if the key exists.")
    static final class Update extends Put {
        @Override
        WriteOptions writeOptions() {
            return super.writeOptions().onlyIfExists();
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a key.")
    static final class Delete extends WriteCommand {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Override
        OperationAck send(KvClient client) {
            return client.delete(key, writeOptions());
        }
    }

    @Command(name = "append", mixinStandardHelpOptions = true,
            description = "Append to a key's value (created if absent); prints the new value.")
    static final class Append extends IdentifiedCommand<OperationAck> {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "SUFFIX")
        String suffix;

        @Override
        OperationAck send(KvClient client) {
            return client.append(key, suffix, WriteOptions.withId(id));
        }

        @Override
        String describe(OperationAck result) {
            return ack(result);
        }
    }

    @Command(name = "scan", mixinStandardHelpOptions = true, description = "List keys in order, with their values.")
    static final class Scan extends ClientCommand<ScanPage> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX")
        String prefix;

        @Option(names = "--limit", paramLabel = "N", description = "At most N items (default: the server's).")
        Integer limit;

        @Option(names = "--cursor", paramLabel = "CURSOR", description = "Continue a previous scan.")
        String cursor;

        @Option(names = "--consistency", paramLabel = "LEVEL", converter = LevelConverter.class,
                description = "linearizable (default), session or eventual.")
        Consistency consistency;

        @Override
        ScanPage send(KvClient client) {
            if (limit != null && limit < 1) {
                throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
            }
            return client.scanPage(prefix, limit == null ? 0 : limit, cursor, consistency);
        }

        @Override
        String describe(ScanPage page) {
            StringBuilder s = new StringBuilder();
            for (Entry item : page.items()) {
                s.append(item.key()).append('\t').append(item.value()).append('\n');
            }
            page.cursor().ifPresent(c -> s.append("(more: --cursor ").append(c).append(")\n"));
            return s.toString().stripTrailing();
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = {"List a key's versions, newest first.",
                    "One line each: version, type (put, append or delete), time, request id and the value the key had"
                            + " then (long values cut; --json has them whole). Read one with 'kv get KEY --version N'."})
    static final class History extends ClientCommand<HistoryPage> {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Option(names = "--limit", paramLabel = "N", description = "At most N versions (default: the server's).")
        Integer limit;

        @Option(names = "--before", paramLabel = "VERSION",
                description = "Only versions older than VERSION: the next page, as the last one says.")
        Long before;

        @Override
        HistoryPage send(KvClient client) {
            if (limit != null && limit < 1) {
                throw new IllegalArgumentException("--limit must be at least 1, got " + limit);
            }
            if (before != null && before < 1) {
                throw new IllegalArgumentException("--before must be at least 1, got " + before);
            }
            return client.history(key, limit == null ? 0 : limit, before == null ? 0 : before);
        }

        @Override
        String describe(HistoryPage page) {
            return history(page, key, limit);
        }
    }

    /** How long a value may be on one line of history or watch before it is cut. */
    static final int VALUE_WIDTH = 60;

    /** A history page as a table, and how to get the next one. */
    static String history(HistoryPage page, String key, Integer limit) {
        List<List<String>> rows = new ArrayList<>();
        for (KeyVersion item : page.items()) {
            rows.add(List.of(Long.toString(item.version()), item.type(),
                    item.time() == null ? "-" : item.time().toString(), item.id() == null ? "-" : item.id(),
                    item.value().map(v -> Output.oneLine(v, VALUE_WIDTH)).orElse("-")));
        }
        if (rows.isEmpty()) {
            return "(no versions)";
        }
        List<String> lines = new ArrayList<>(Output.tableLines(List.of("VERSION", "TYPE", "TIME", "ID", "VALUE"), rows));
        if (page.next().isPresent()) {
            lines.add("(older versions: kv history " + Output.shellWord(key) + (limit == null ? "" : " --limit " + limit)
                    + " --before " + page.next().getAsLong() + ")");
        }
        return String.join("\n", lines);
    }

    /** One change of a watch on one line: {@code put  key=value  (version 12, 3:11)}. */
    static String change(WatchEvent.Change change) {
        String value = change.value().map(v -> Output.oneLine(v, VALUE_WIDTH)).orElse("");
        String what = switch (change.type()) {
            case "put" -> change.key() + "=" + value;
            case "append" -> change.key() + "+=" + value;
            default -> change.key();
        };
        return String.format("%-6s  %s  (version %d, %s)", change.type(), what, change.version(), change.token());
    }

    /** A progress event on one line: {@code progress  0:5,1:3  (caught up)}. */
    static String progress(WatchEvent.Progress progress) {
        return "progress  " + progress.position() + "  (" + (progress.caughtUp() ? "caught up" : "catching up") + ")";
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
            description = {"Print changes to keys as they come, until Ctrl-C.",
                    "One line each: every key's changes (no PREFIX), those of the keys starting with PREFIX, or one"
                            + " key's (--key). With --json, each change as a line of JSON: the node's fields and the"
                            + " watch's position after it.",
                    "When the stream drops, the watch resumes on the next node (-H) right after the last change"
                            + " or progress seen: nothing missed, nothing repeated. It gives up after "
                            + io.kvlog.client.Watch.MAX_TRIES + " tries in a row that bring nothing (exit 3).",
                    "Ends with exit 1 when the node ends the watch with an error, which goes to stderr."})
    static final class Watch implements Callable<Integer> {
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
        public Integer call() throws InterruptedException {
            if (key != null && prefix != null) {
                throw new IllegalArgumentException("give a PREFIX or --key, not both");
            }
            if (maxEvents != null && maxEvents < 1) {
                throw new IllegalArgumentException("--max-events must be at least 1, got " + maxEvents);
            }
            if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
                throw new IllegalArgumentException("--timeout must be positive, got " + TimeArgs.format(timeout));
            }
            WatchRequest request = (key != null ? WatchRequest.key(key) : WatchRequest.prefix(prefix == null ? "" : prefix))
                    .from(from);
            Output out = kv.output();
            AtomicInteger changes = new AtomicInteger();
            try (KvClient client = options.client(out::progress)) {
                CountDownLatch enough = new CountDownLatch(1);
                io.kvlog.client.Watch watch = client.watch(request, event -> {
                    if (event instanceof WatchEvent.Change change && enough.getCount() > 0) {
                        out.line(options.json ? json(change) : change(change));
                        if (maxEvents != null && changes.incrementAndGet() >= maxEvents) {
                            enough.countDown();
                        }
                    } else if (progress && event instanceof WatchEvent.Progress p && enough.getCount() > 0) {
                        out.line(options.json ? json(p) : progress(p));
                    }
                });
                watch.done().whenComplete((done, failure) -> enough.countDown());
                if (timeout == null) {
                    enough.await();
                } else {
                    enough.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
                watch.close();
                if (watch.done().isCompletedExceptionally()) {
                    throw unwrap(watch.done());
                }
            }
            if (maxEvents != null && changes.get() < maxEvents) {
                throw new KvException(ExitCode.FAILED, changes.get() + " of " + maxEvents + " changes within "
                        + TimeArgs.format(timeout));
            }
            return ExitCode.OK;
        }

        private static RuntimeException unwrap(java.util.concurrent.CompletableFuture<Void> done) {
            try {
                done.join();
                throw new IllegalStateException("the watch did not fail");
            } catch (java.util.concurrent.CompletionException e) {
                return e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
    }
}
