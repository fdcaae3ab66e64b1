package io.kvlog.cli.bench;

import io.kvlog.cli.ClusterOptions;
import io.kvlog.cli.ExitCode;
import io.kvlog.cli.Kv;
import io.kvlog.cli.KvException;
import io.kvlog.cli.LocalNodes;
import io.kvlog.cli.Output;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kv bench}: drives kvlog over HTTP with one workload or a suite of them, optionally the
 * same workloads against baselines (etcd, the raw Kafka producer, a null HTTP server for the
 * generator's own ceiling) and fault/replay scenarios, and writes a text table to stdout and
 * report.json, report.html, results.md and two SVG plots to {@code --out}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load and fault benchmarks over HTTP, with baselines, in one run.",
                "Prints a table; writes report.json, report.html (self-contained), results.md and SVG plots to --out.",
                "Example (everything): kv bench --suite standard --baseline kafka --baseline http-null --start-etcd"
                        + " --scenarios all"})
public final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    Kv kv;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = {"-H", "--host"}, paramLabel = "URL",
            description = "A kvlog node to load (repeat for several; default: every running node of --data).")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--suite", paramLabel = "NAME",
            description = "Run a preset of workloads: standard (write, get-linearizable, get-eventual, mix-90-10),"
                    + " quick (the first three), acks (write with wait=log/applied/all), none (only baselines and"
                    + " scenarios). Overrides --reads.")
    String suite;

    @Option(names = "--reads", paramLabel = "PERCENT", defaultValue = "0",
            description = "Without --suite: share of reads in %% (default ${DEFAULT-VALUE}: writes only).")
    int reads;

    @Option(names = "--consistency", paramLabel = "LEVEL", defaultValue = "linearizable",
            description = "Without --suite: read consistency linearizable|session|eventual (default ${DEFAULT-VALUE}).")
    String consistency;

    @Option(names = "--wait", paramLabel = "ACK", defaultValue = "log",
            description = "Without --suite: write ack level log|applied|all (default ${DEFAULT-VALUE}).")
    String ack;

    @Option(names = {"-c", "--connections"}, paramLabel = "N", defaultValue = "64",
            description = "HTTP connections, spread over the nodes (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "10000",
            description = "Key space, pre-loaded before reads (default ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "100",
            description = "Size of written values (default ${DEFAULT-VALUE}).")
    int valueBytes;

    @Option(names = {"-d", "--duration"}, paramLabel = "SECONDS", defaultValue = "30",
            description = "Measured seconds per workload and system (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "5",
            description = "Unmeasured seconds before each (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--prime", paramLabel = "SECONDS", defaultValue = "60",
            description = {"Unmeasured load on each system before its first workload, split over the workloads,",
                    "and writes for as long before a system's watch delivery runs (default ${DEFAULT-VALUE}; 0: none).",
                    "A freshly started JVM runs much slower until its JIT has compiled the hot paths: measured here,",
                    "kvlog's first minutes served 2-7x fewer requests."})
    int prime;

    @Option(names = "--rate", paramLabel = "OPS", defaultValue = "0",
            description = "Open loop at this many requests/s in total, latency from the intended send time"
                    + " (default 0: closed loop).")
    int rate;

    @Option(names = "--timeout", paramLabel = "MILLIS", defaultValue = "5000",
            description = "Per-request timeout (default ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--baseline", paramLabel = "SYSTEM",
            description = "Also run against: kafka (raw producer/consumer on this cluster), etcd=URL[,URL...]"
                    + " (etcd v3 JSON gateway), http-null (a do-nothing HTTP server: the generator's ceiling). Repeatable.")
    List<String> baselines = new ArrayList<>();

    @Option(names = "--producer-inflight", paramLabel = "N",
            description = "Sends the raw-producer baseline keeps outstanding (default: --connections, the concurrency"
                    + " the HTTP writes get; raise it for the producer's own ceiling).")
    Integer producerInflight;

    @Option(names = "--start-etcd", description = "Start a local 3-member etcd (loopback, free ports, temp dir) as the"
            + " etcd baseline for this run, and stop it (by pid) at the end.")
    boolean startEtcd;

    @Option(names = "--etcd-binary", paramLabel = "PATH", defaultValue = "etcd",
            description = "The etcd executable for --start-etcd (default ${DEFAULT-VALUE}, from PATH).")
    String etcdBinary;

    @Option(names = "--scenarios", paramLabel = "LIST", split = ",",
            description = {"Also run: replay, rebuild, node-kill, node-stop, broker-kill, watch, history, client, security,",
                    "or all (needs the local cluster of --data). watch: a watch's catch-up from 0 over --catch-up-events,",
                    "and the latency from a write's ack to each watcher's receipt at --watch-rate for each of --watchers",
                    "(also on etcd with --start-etcd or --baseline etcd=); history: reads of a key's --history-versions",
                    "versions; security: the cost of auth and TLS per request, on nodes this command starts itself."})
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--watch-rate", paramLabel = "OPS", defaultValue = "2000",
            description = "watch scenario: writes/s (open loop, wait=log, through every node) during each delivery run,"
                    + " which lasts --warmup + --duration (default ${DEFAULT-VALUE}).")
    int watchRate;

    @Option(names = "--watchers", paramLabel = "N[,N...]", split = ",", defaultValue = "1,100",
            description = "watch scenario: one delivery run per count, that many watchers on one node (default ${DEFAULT-VALUE}).")
    List<Integer> watchers = new ArrayList<>();

    @Option(names = "--catch-up-events", paramLabel = "N", defaultValue = "100000",
            description = "watch scenario: events written to the log, then read by a watch from 0 (default ${DEFAULT-VALUE}).")
    int catchUpEvents;

    @Option(names = "--history-versions", paramLabel = "N", defaultValue = "1000",
            description = "history scenario: versions of the key whose history is read (default ${DEFAULT-VALUE}).")
    int historyVersions;

    @Option(names = "--client-calls", paramLabel = "N", defaultValue = "2000",
            description = "client scenario: calls timed per kind, the Java client against raw HTTP, one at a time"
                    + " (default ${DEFAULT-VALUE}).")
    int clientCalls;

    @Option(names = "--security-rounds", paramLabel = "N", defaultValue = "4",
            description = "security scenario: rounds, each mode (plain, auth, auth+TLS, auth+mTLS, auth+TLS with a"
                    + " connection per request) in turn for 1 s unmeasured + --security-seconds, after --prime split over"
                    + " the modes (default ${DEFAULT-VALUE}).")
    int securityRounds;

    @Option(names = "--security-seconds", paramLabel = "SECONDS", defaultValue = "1",
            description = "security scenario: measured seconds per mode and round (default ${DEFAULT-VALUE}: 20 s measured in all).")
    int securitySeconds;

    @Option(names = "--history-reads", paramLabel = "N", defaultValue = "200",
            description = "history scenario: requests timed per kind of read; full walks: a tenth (default ${DEFAULT-VALUE}).")
    int historyReads;

    @Option(names = "--event-loops", paramLabel = "N", defaultValue = "2",
            description = "Event-loop threads of the load generator (default ${DEFAULT-VALUE}).")
    int eventLoops;

    @Option(names = "--render", paramLabel = "REPORT_JSON",
            description = "Run nothing: re-render the tables, results.md, report.html and plots of an earlier run's"
                    + " report.json (into --out, default its directory).")
    Path render;

    @Option(names = "--markdown", description = "Print the tables as markdown (as in results.md) instead of plain text.")
    boolean markdown;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Report directory (default ./bench-results/<timestamp>).")
    Path out;

    static final List<String> SCENARIOS = List.of("replay", "rebuild", "node-kill", "node-stop", "broker-kill", "watch",
            "history", "client", "security");

    /** The validated plan of a run, built before anything starts. */
    record Plan(LoadSettings settings, List<Workload> workloads, boolean kafka, boolean httpNull, List<URI> etcd,
                List<String> scenarios, WatchSettings watch) {
    }

    Plan plan() {
        LoadSettings settings = new LoadSettings(connections, keys, valueBytes, warmup, seconds, rate,
                timeoutMillis, prime);
        WatchSettings watch = new WatchSettings(watchRate, watchers, catchUpEvents, historyVersions, historyReads);
        if (producerInflight != null && producerInflight < 1) {
            throw new IllegalArgumentException("--producer-inflight: must be >= 1, got " + producerInflight);
        }
        if (securityRounds < 1 || securityRounds > 1000) {
            throw new IllegalArgumentException("--security-rounds: must be 1-1000, got " + securityRounds);
        }
        if (securitySeconds < 1 || securitySeconds > 60) {
            throw new IllegalArgumentException("--security-seconds: must be 1-60, got " + securitySeconds);
        }
        if (eventLoops < 1 || eventLoops > 64) {
            throw new IllegalArgumentException("event loops: must be 1-64, got " + eventLoops);
        }
        List<Workload> workloads = suite != null ? Workload.suite(suite)
                : List.of(Workload.custom(reads, consistency.toLowerCase(Locale.ROOT), ack.toLowerCase(Locale.ROOT)));
        boolean kafka = false;
        boolean httpNull = false;
        List<URI> etcd = new ArrayList<>();
        for (String baseline : baselines) {
            if (baseline.equals("kafka")) {
                kafka = true;
            } else if (baseline.equals("http-null")) {
                httpNull = true;
            } else if (baseline.startsWith("etcd=")) {
                for (String url : baseline.substring(5).split(",")) {
                    etcd.add(url(url, "--baseline etcd="));
                }
            } else {
                throw new IllegalArgumentException("--baseline: must be kafka, http-null or etcd=URL[,URL...], got '"
                        + baseline + "'");
            }
        }
        if (startEtcd && !etcd.isEmpty()) {
            throw new IllegalArgumentException("--start-etcd and --baseline etcd=URL exclude each other: pick one etcd");
        }
        List<String> chosen = new ArrayList<>();
        for (String s : scenarios) {
            String name = s.trim().toLowerCase(Locale.ROOT);
            if (name.equals("all")) {
                SCENARIOS.stream().filter(x -> !chosen.contains(x)).forEach(chosen::add);
            } else if (SCENARIOS.contains(name)) {
                if (!chosen.contains(name)) {
                    chosen.add(name);
                }
            } else {
                throw new IllegalArgumentException("--scenarios: must be a list of " + SCENARIOS + " or all, got '" + s + "'");
            }
        }
        hosts.forEach(h -> url(h, "-H"));
        return new Plan(settings, workloads, kafka, httpNull, etcd, chosen, watch);
    }

    static URI url(String text, String option) {
        URI uri;
        try {
            uri = URI.create(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": not a URL: '" + text + "'", e);
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException(option + ": must be http://HOST:PORT, got '" + text + "'");
        }
        return uri;
    }

    @Override
    public Integer call() throws Exception {
        Output output = kv.output();
        if (render != null) {
            return render(output);
        }
        Plan plan = plan();
        LoadSettings settings = plan.settings();
        String started = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19);
        Path dir = (out != null ? out : Path.of("bench-results", started.replace(':', '-'))).toAbsolutePath();
        boolean needsCluster = plan.kafka() || !plan.scenarios().isEmpty() || hosts.isEmpty();
        LocalKafkaCluster local = needsCluster ? cluster.openCluster() : null;
        if (local != null && hosts.isEmpty() && io.kvlog.cli.LocalAuth.on(local.dataDir())) {
            // the load generators send no token; the security scenario measures auth on nodes of its own
            throw new KvException(ExitCode.USAGE, "kv bench drives a local cluster without HTTP auth; "
                    + local.dataDir() + " has auth on (kv up --auth): use a cluster made without --auth");
        }
        List<URI> kvlogUrls = hosts.isEmpty() ? runningNodes(local) : hosts.stream().map(h -> url(h, "-H")).toList();
        Map<String, Object> machine = machine();
        output.progress("machine: " + machine);
        List<WorkloadResult> results = new ArrayList<>();
        List<ScenarioResult> scenarioResults = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (LoadGenerator generator = new LoadGenerator(eventLoops)) {
            if (plan.httpNull()) {
                stage("http-null baseline", problems, output, () -> {
                    try (NullHttpServer server = new NullHttpServer()) {
                        runAll(generator, server.target(), plan, results, output);
                    }
                });
            }
            stage("kvlog", problems, output, () -> runAll(generator, new KvlogApi(kvlogUrls), plan, results, output));
            if (startEtcd && !plan.workloads().isEmpty()) {
                stage("etcd baseline", problems, output, () -> {
                    Path etcdDir = Files.createTempDirectory("kv-bench-etcd-");
                    try (EtcdCluster etcd = EtcdCluster.start(etcdBinary, 3, etcdDir, output::progress)) {
                        runAll(generator, new EtcdApi(etcd.clientUrls()), plan, results, output);
                    } finally {
                        deleteTree(etcdDir);
                    }
                });
            } else if (!plan.etcd().isEmpty()) {
                stage("etcd baseline", problems, output, () -> runAll(generator, new EtcdApi(plan.etcd()), plan, results,
                        output));
            }
        }
        if (plan.kafka()) {
            KafkaBaseline kafka = new KafkaBaseline(local.bootstrapServers(), local.clientSecurity());
            stage("kafka producer baseline", problems, output, () -> results.add(kafka.produce(settings,
                    producerInflight == null ? settings.connections() : producerInflight, output::progress)));
            stage("kafka consumer baseline", problems, output, () -> scenarioResults.add(
                    kafka.consume("kafka-consume-baseline", KafkaBaseline.TOPIC, output::progress)));
        }
        for (String scenario : plan.scenarios()) {
            if (scenario.equals("watch")) {
                watch(plan, local, kvlogUrls, results, scenarioResults, problems, output);
            } else if (scenario.equals("client")) {
                stage("scenario client", problems, output, () -> add(new ClientScenario(output::progress)
                        .run(kvlogUrls.get(0), clientCalls, valueBytes), results, scenarioResults));
            } else if (scenario.equals("security")) {
                stage("scenario security", problems, output, () -> add(new SecurityScenario(output::progress)
                        .run(local, settings, securityRounds, securitySeconds, eventLoops), results, scenarioResults));
            } else if (scenario.equals("history")) {
                stage("scenario history", problems, output, () -> add(new HistoryScenario(output::progress)
                        .run(local.bootstrapServers(), local.clientSecurity(), kvlogUrls, local.state().partitions(), plan.watch(), valueBytes),
                        results, scenarioResults));
            } else {
                stage("scenario " + scenario, problems, output, () -> scenarioResults.addAll(scenario(scenario, local,
                        output)));
            }
        }
        BenchReport report = BenchReport.of(started, "kv " + String.join(" ",
                spec.commandLine().getParseResult().originalArgs()), machine, settings, results, scenarioResults, problems);
        output.line((markdown ? ReportWriter.markdown(report) : ReportWriter.text(report)).stripTrailing());
        ReportWriter.Files files = ReportWriter.write(report, dir);
        output.line("");
        output.line("report: " + files.html());
        output.line("json:   " + files.json());
        output.line("table:  " + files.markdown());
        if (!problems.isEmpty()) {
            throw new KvException(ExitCode.FAILED, problems.size() + " stage(s) failed: " + String.join("; ", problems));
        }
        boolean kvlogServed = results.stream().filter(r -> r.system().equals("kvlog")).allMatch(r -> r.ops() > 0);
        if (!kvlogServed) {
            throw new KvException(ExitCode.FAILED, "a kvlog workload completed no operation; see the errors column");
        }
        return ExitCode.OK;
    }

    private int render(Output output) {
        BenchReport report = ReportWriter.read(render);
        Path dir = out != null ? out.toAbsolutePath() : render.toAbsolutePath().getParent();
        output.line((markdown ? ReportWriter.markdown(report) : ReportWriter.text(report)).stripTrailing());
        ReportWriter.Files files = ReportWriter.write(report, dir);
        output.line("");
        output.line("report: " + files.html());
        output.line("table:  " + files.markdown());
        return report.problems().isEmpty() ? ExitCode.OK : ExitCode.FAILED;
    }

    /** A part of the run that may fail on its own. */
    interface Stage {
        void run() throws Exception;
    }

    /**
     * Runs one stage; if it fails, the failure (with its causes) is printed and kept for the report, and
     * the run goes on with the next stage: a baseline that cannot start does not throw away the figures
     * already taken. The command then exits 1. Interruption is not caught.
     */
    private static void stage(String name, List<String> problems, Output output, Stage stage) throws InterruptedException {
        try {
            stage.run();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            StringBuilder why = new StringBuilder(name + ": " + e);
            for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
                why.append(" <- ").append(cause);
            }
            problems.add(why.toString());
            output.progress("FAILED " + why);
        }
    }

    private void runAll(LoadGenerator generator, BenchTarget target, Plan plan, List<WorkloadResult> results,
                        Output output) throws InterruptedException {
        List<Workload> supported = plan.workloads().stream().filter(target::supports).toList();
        plan.workloads().stream().filter(w -> !target.supports(w))
                .forEach(w -> output.progress("skipping " + w.name() + " on " + target.system() + ": no equivalent there"));
        if (supported.stream().anyMatch(Workload::hasReads)) {
            // reads must find their keys: pre-load them, acked by the log (as the write workload is); the copies
            // apply them during the warm-up. Waiting for the apply here made pre-loads on a loaded machine miss
            // the writer's 1 s deadline.
            generator.preload(target, plan.settings(), new Workload("preload", 0, "linearizable", "log"),
                    output::progress);
        }
        prime(generator, target, supported, plan.settings(), output);
        for (Workload workload : supported) {
            results.add(generator.run(target, workload, plan.settings(), output::progress));
        }
    }

    /** Runs each workload unmeasured for its share of {@code --prime}, so every system is measured warm. */
    private static void prime(LoadGenerator generator, BenchTarget target, List<Workload> workloads,
                              LoadSettings settings, Output output) throws InterruptedException {
        if (settings.primeSeconds() == 0 || workloads.isEmpty()) {
            return;
        }
        int each = Math.max(1, settings.primeSeconds() / workloads.size());
        for (Workload workload : workloads) {
            output.progress(String.format("priming %s with %s for %d s (not measured)", target.system(),
                    workload.name(), each));
            generator.run(target, workload, settings.priming(each), line -> { });
        }
    }

    /**
     * The watch scenario, one stage per part so one that fails leaves the others' figures: the
     * catch-up, the delivery runs on kvlog, and the same on etcd if one is given or to be started.
     */
    private void watch(Plan plan, LocalKafkaCluster local, List<URI> kvlogUrls, List<WorkloadResult> results,
                       List<ScenarioResult> scenarioResults, List<String> problems, Output output)
            throws InterruptedException {
        try (WatchScenario watch = new WatchScenario(output::progress)) {
            stage("scenario watch (catch-up)", problems, output, () -> add(watch.catchUp(local.bootstrapServers(), local.clientSecurity(),
                    kvlogUrls, plan.watch().catchUpEvents(), valueBytes), results, scenarioResults));
            stage("scenario watch (delivery, kvlog)", problems, output, () -> {
                primeWrites(new KvlogApi(kvlogUrls), plan.settings(), output);
                add(watch.delivery(WatchScenario.kvlog(kvlogUrls), plan.watch(), plan.settings(),
                        kvlogProcesses(local, kvlogUrls.get(0))), results, scenarioResults);
            });
            if (startEtcd) {
                stage("scenario watch (delivery, etcd)", problems, output, () -> {
                    Path etcdDir = Files.createTempDirectory("kv-bench-etcd-");
                    try (EtcdCluster etcd = EtcdCluster.start(etcdBinary, 3, etcdDir, output::progress)) {
                        primeWrites(new EtcdApi(etcd.clientUrls()), plan.settings(), output);
                        List<Long> members = etcd.pids();
                        add(watch.delivery(WatchScenario.etcd(etcd.clientUrls()), plan.watch(), plan.settings(),
                                Map.of("watchMember", members.subList(0, 1),
                                        "otherMembers", members.subList(1, members.size()))),
                                results, scenarioResults);
                    } finally {
                        deleteTree(etcdDir);
                    }
                });
            } else if (!plan.etcd().isEmpty()) {
                stage("scenario watch (delivery, etcd)", problems, output, () -> {
                    primeWrites(new EtcdApi(plan.etcd()), plan.settings(), output);
                    add(watch.delivery(WatchScenario.etcd(plan.etcd()), plan.watch(), plan.settings(), Map.of()),
                            results, scenarioResults);
                });
            } else {
                output.progress("watch delivery on etcd: skipped (no --start-etcd or --baseline etcd=URL)");
            }
        }
    }

    /**
     * Unmeasured closed-loop writes for {@code --prime} seconds before a system's watch delivery
     * runs, as every system gets before its workloads: a JVM that has not compiled its write path
     * yet falls behind an open-loop writer and never catches up within the run.
     */
    private static void primeWrites(BenchTarget target, LoadSettings settings, Output output)
            throws InterruptedException {
        if (settings.primeSeconds() == 0) {
            return;
        }
        output.progress(String.format("priming %s with writes for %d s (not measured)", target.system(),
                settings.primeSeconds()));
        try (LoadGenerator generator = new LoadGenerator(2)) {
            generator.run(target, new Workload("write", 0, "linearizable", "log"),
                    settings.priming(settings.primeSeconds()), line -> { });
        }
    }

    /** The local cluster's processes by role: the node the watchers are on, the other nodes, the brokers. */
    private static Map<String, List<Long>> kvlogProcesses(LocalKafkaCluster local, URI watchNode) {
        List<Long> watched = new ArrayList<>();
        List<Long> others = new ArrayList<>();
        for (io.kvlog.kafka.NodeState node : local.state().nodes()) {
            (URI.create(node.url()).equals(watchNode) ? watched : others).add(node.pid());
        }
        Map<String, List<Long>> processes = new LinkedHashMap<>();
        processes.put("watchNode", watched);
        processes.put("otherNodes", others);
        processes.put("brokers", local.state().brokers().stream().map(io.kvlog.kafka.BrokerState::pid).toList());
        return processes;
    }

    private static void add(ScenarioOutcome outcome, List<WorkloadResult> results, List<ScenarioResult> scenarios) {
        results.addAll(outcome.results());
        scenarios.addAll(outcome.scenarios());
    }

    private List<ScenarioResult> scenario(String name, LocalKafkaCluster local, Output output) throws InterruptedException {
        FailoverScenario failover = new FailoverScenario(local, output::progress);
        return switch (name) {
            case "replay" -> List.of(
                    new KafkaBaseline(local.bootstrapServers(), local.clientSecurity()).consume("kafka-consume-events", Topics.EVENTS, output::progress),
                    ReplayScenario.run(local.bootstrapServers(), local.clientSecurity(), output::progress));
            case "rebuild" -> List.of(failover.rebuild(Duration.ofMinutes(10)));
            case "node-kill" -> List.of(failover.node(true, Duration.ofSeconds(10)));
            case "node-stop" -> List.of(failover.node(false, Duration.ofSeconds(10)));
            case "broker-kill" -> List.of(failover.broker(Duration.ofSeconds(5), Duration.ofSeconds(25)));
            default -> throw new IllegalArgumentException("unknown scenario " + name);
        };
    }

    private static List<URI> runningNodes(LocalKafkaCluster local) {
        LocalNodes nodes = new LocalNodes(local);
        List<URI> urls = nodes.statuses().stream().filter(LocalNodes.NodeStatus::ready).map(s -> URI.create(s.url())).toList();
        if (urls.isEmpty()) {
            throw KvException.unreachable("no ready node in " + local.dataDir() + "; start them with 'kv up' or pass -H URL");
        }
        return urls;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.version"));
        try {
            machine.put("loadAverageAtStart", Files.readString(Path.of("/proc/loadavg")).trim());
        } catch (IOException e) {
            machine.put("loadAverageAtStart", "unknown (" + e.getMessage() + ")");
        }
        return machine;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
