package io.kvlog.cli.bench;

import io.kvlog.cli.Certificates;
import io.kvlog.http.NodeSecurity;
import io.kvlog.http.auth.AuthFile;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import io.kvlog.kafka.internal.Ports;
import io.kvlog.node.Node;
import io.kvlog.node.NodeConfig;
import io.kvlog.node.Role;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The {@code security} scenario (issue 15): what bearer-token auth and TLS cost per request.
 *
 * <p>Starts, in this JVM, four kvlog nodes on the local cluster's Kafka (all roles, state in a
 * temp dir, free 127.0.0.1 ports), identical but for their security: plain HTTP; auth (an auth
 * file with one principal, a bearer token); auth over HTTPS; auth over mutual TLS (a client
 * certificate required). The same client (the load generator, keep-alive connections) drives
 * each with the same closed-loop mix at {@code --connections}: 90 % GETs of pre-loaded keys at
 * {@code consistency=eventual} (cheap, so what auth and TLS add shows) and 10 % PUTs
 * ({@code wait=log}). A fifth mode drives the HTTPS node with a new connection per request: the
 * cost of a handshake (Vert.x may resume the TLS session; a client that does not pays more).
 *
 * <p>After {@code --prime} split over the modes, the modes take turns in short rounds, each round
 * starting one mode later, so drift on this shared machine hits all of them alike; each run opens
 * its connections in a first, unmeasured second. Every node runs in the bench's
 * JVM and on the machine's cores with the client: the figures are differences between modes, not
 * what a node serves on its own. The nodes are closed and the temp dir (state, auth file,
 * certificates, the token only in memory) deleted when {@link #run} returns, also on failure.
 */
public final class SecurityScenario {

    /** The workload names of the two kinds of request in the report. */
    public static final String GET = "security-get";
    public static final String PUT = "security-put";
    static final String PLAIN = "kvlog-plain";
    private static final Workload MIX = new Workload("security-mix", 90, "eventual", "log");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(5);

    private final Consumer<String> progress;

    public SecurityScenario(Consumer<String> progress) {
        this.progress = progress;
    }

    /**
     * One way to call a node: its URL, the token sent (null: none), the CA trusted and the client
     * certificate shown over HTTPS (null: none), keep-alive or a connection per request.
     */
    record Mode(String system, List<URI> endpoints, String token, Path caCert, Certificates.Issued clientCert,
                boolean keepAlive) implements BenchTarget {

        @Override
        public boolean supports(Workload workload) {
            return true;
        }

        @Override
        public Request write(String key, String value, Workload workload) {
            return authorized(new KvlogApi(endpoints).write(key, value, workload));
        }

        @Override
        public Request read(String key, Workload workload) {
            return authorized(new KvlogApi(endpoints).read(key, workload));
        }

        private Request authorized(Request request) {
            return token == null ? request
                    : new Request(request.method(), request.uri(), request.body(), Map.of("Authorization", "Bearer " + token));
        }

        @Override
        public HttpClientOptions clientOptions(HttpClientOptions options) {
            options.setKeepAlive(keepAlive);
            if (caCert != null) {
                options.setSsl(true).setTrustOptions(new PemTrustOptions().addCertPath(caCert.toString()));
            }
            if (clientCert != null) {
                options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(clientCert.cert().toString())
                        .setKeyPath(clientCert.key().toString()));
            }
            return options;
        }

        @Override
        public boolean success(boolean read, int status, Buffer body) {
            return status == 200;
        }
    }

    /**
     * Starts the nodes, pre-loads {@code settings.keys()} keys, primes each mode for its share of
     * {@code settings.primeSeconds()} (whole seconds), then runs {@code rounds} rounds of 1 s unmeasured
     * (new connections) + {@code seconds} measured per mode; returns a GET and a PUT result per mode.
     */
    public ScenarioOutcome run(LocalKafkaCluster local, LoadSettings settings, int rounds, int seconds, int eventLoops)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kv-bench-security-");
        List<Node> nodes = new ArrayList<>();
        try {
            String token = AuthFile.newToken();
            Path authFile = dir.resolve("auth.json");
            AuthFile.empty().withRole("all", AuthFile.EVERYTHING)
                    .withPrincipal("bench", new AuthFile.Entry(List.of("all"), List.of(AuthFile.hash(token)), null))
                    .write(authFile);
            Certificates.Issued ca = Certificates.authority(dir, "ca", Duration.ofDays(1));
            Certificates.Issued cert = Certificates.issue(dir, "node", ca, List.of("127.0.0.1"), Duration.ofDays(1));
            Certificates.Issued client = Certificates.issue(dir, "client", ca, List.of(), Duration.ofDays(1));
            // the node token is the bench principal's: one principal, and it has admin as a node's must
            Map<String, NodeSecurity> securities = new LinkedHashMap<>();
            securities.put("plain", NodeSecurity.NONE);
            securities.put("auth", new NodeSecurity(authFile, token, 0, null));
            securities.put("auth-tls", new NodeSecurity(authFile, token, 0,
                    new NodeSecurity.Tls(cert.cert(), cert.key(), null, ca.cert())));
            securities.put("auth-mtls", new NodeSecurity(authFile, token, 0,
                    new NodeSecurity.Tls(cert.cert(), cert.key(), ca.cert(), ca.cert())));
            Map<String, URI> urls = startNodes(local, dir, securities, nodes);
            List<Mode> modes = List.of(
                    new Mode(PLAIN, List.of(urls.get("plain")), null, null, null, true),
                    new Mode("kvlog-auth", List.of(urls.get("auth")), token, null, null, true),
                    new Mode("kvlog-auth-tls", List.of(urls.get("auth-tls")), token, ca.cert(), null, true),
                    new Mode("kvlog-auth-mtls", List.of(urls.get("auth-mtls")), token, ca.cert(), client, true),
                    new Mode("kvlog-auth-tls-newconn", List.of(urls.get("auth-tls")), token, ca.cert(), null, false));
            return measure(modes, settings, rounds, seconds, eventLoops);
        } finally {
            closeAll(nodes);
            BenchCommand.deleteTree(dir);
        }
    }

    private Map<String, URI> startNodes(LocalKafkaCluster local, Path dir, Map<String, NodeSecurity> securities,
                                        List<Node> started) throws InterruptedException {
        // ids after the cluster's own, so membership never confuses a bench node with one of them
        int id = local.state().nodes().stream().mapToInt(NodeState::id).max().orElse(0) + 1;
        int replication = Math.min(3, local.state().brokers().size());
        List<Integer> ports = Ports.free(securities.size());
        Map<String, URI> urls = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, NodeSecurity> e : securities.entrySet()) {
            NodeConfig config = new NodeConfig(id + i, "127.0.0.1", ports.get(i), local.bootstrapServers(),
                    dir.resolve("node-" + e.getKey()), local.state().partitions(), replication, Duration.ofSeconds(1),
                    Duration.ofHours(24), 1024 * 1024, EnumSet.allOf(Role.class), NodeConfig.DEFAULT_NODE_TIMEOUT,
                    16L << 20, local.clientSecurity(), io.kvlog.node.HttpLimits.defaults(), e.getValue());
            Node node = new Node(config);
            started.add(node);
            long t0 = System.nanoTime();
            node.start(START_TIMEOUT);
            progress.accept(String.format(Locale.ROOT, "security: %s node %s at %s ready in %.1f s", e.getKey(),
                    config.name(), config.url(), (System.nanoTime() - t0) / 1e9));
            urls.put(e.getKey(), URI.create(config.url()));
            i++;
        }
        return urls;
    }

    private ScenarioOutcome measure(List<Mode> modes, LoadSettings settings, int rounds, int seconds, int eventLoops)
            throws InterruptedException {
        // each run makes new connections: its first second (the handshakes) is not measured
        LoadSettings round = new LoadSettings(settings.connections(), settings.keys(), settings.valueBytes(), 1,
                seconds, 0, settings.timeoutMillis(), 0);
        int prime = settings.primeSeconds() / modes.size();
        Map<Mode, LoadGenerator.ByKind> byMode = new LinkedHashMap<>();
        modes.forEach(m -> byMode.put(m, new LoadGenerator.ByKind(new Recording(), new Recording())));
        try (LoadGenerator generator = new LoadGenerator(eventLoops)) {
            generator.preload(modes.get(0), settings, new Workload("preload", 0, "linearizable", "log"), progress);
            progress.accept(String.format("security: %d modes, each primed for %d s, then %d rounds of 1 s unmeasured +"
                    + " %d s measured each, %d connections, 90 %% eventual GETs / 10 %% PUTs (wait=log); %s", modes.size(),
                    prime, rounds, seconds, settings.connections(), WatchScenario.SHARED_CORES));
            for (Mode mode : prime == 0 ? List.<Mode>of() : modes) {
                generator.run(mode, MIX, settings.priming(prime), line -> { });
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < modes.size(); i++) {
                    Mode mode = modes.get((r + i) % modes.size());
                    generator.run(mode, MIX, round, byMode.get(mode), progress);
                    byMode.get(mode).reads().tick(r + 1, false);
                    byMode.get(mode).writes().tick(r + 1, false);
                }
            }
        }
        List<WorkloadResult> results = new ArrayList<>();
        int measured = rounds * seconds;
        byMode.forEach((mode, kinds) -> {
            results.add(result(mode.system(), GET, kinds.reads(), settings.connections(), measured));
            results.add(result(mode.system(), PUT, kinds.writes(), settings.connections(), measured));
        });
        return new ScenarioOutcome(results, List.of());
    }

    /** A kind's result over all rounds; no timeline (its seconds come from different rounds). */
    private static WorkloadResult result(String system, String workload, Recording recording, int connections,
                                         int seconds) {
        long ops = recording.total().getTotalCount();
        return new WorkloadResult(system, workload, "closed", connections, seconds, ops, ops / (double) seconds,
                LatencySummary.of(recording.total()), recording.errors(), List.of());
    }

    static List<String> header() {
        return List.of("mode", "requests", "req/s", "+µs/req", "get p50 µs", "get p99 µs", "get p99.9 µs",
                "+get p50 µs", "put p50 µs", "put p99 µs", "put p99.9 µs", "+put p50 µs", "errors");
    }

    /**
     * One row per mode of the scenario's results in {@code results} (none if it did not run): both
     * kinds together, each kind's latencies, and the differences from plain HTTP: {@code +µs/req}
     * is 1/throughput's (the machine's extra time per request, client and node together; with
     * both cores busy, twice that in CPU time), the others the medians'.
     */
    static List<List<String>> rows(List<WorkloadResult> results) {
        Map<String, WorkloadResult> gets = new LinkedHashMap<>();
        Map<String, WorkloadResult> puts = new LinkedHashMap<>();
        for (WorkloadResult r : results) {
            if (r.workload().equals(GET)) {
                gets.put(r.system(), r);
            } else if (r.workload().equals(PUT)) {
                puts.put(r.system(), r);
            }
        }
        WorkloadResult plainGet = gets.get(PLAIN);
        WorkloadResult plainPut = puts.get(PLAIN);
        List<List<String>> rows = new ArrayList<>();
        for (String system : gets.keySet()) {
            WorkloadResult get = gets.get(system);
            WorkloadResult put = puts.get(system);
            if (put == null || plainGet == null || plainPut == null) {
                continue;
            }
            double rate = get.opsPerSecond() + put.opsPerSecond();
            double plainRate = plainGet.opsPerSecond() + plainPut.opsPerSecond();
            Map<String, Long> errors = new TreeMap<>(get.errors());
            put.errors().forEach((k, n) -> errors.merge(k, n, Long::sum));
            rows.add(List.of(system, Long.toString(get.ops() + put.ops()), String.format(Locale.ROOT, "%.0f", rate),
                    diff(1e6 / rate - 1e6 / plainRate), us(get.latency().p50Ms()), us(get.latency().p99Ms()),
                    us(get.latency().p999Ms()), diff(1000 * (get.latency().p50Ms() - plainGet.latency().p50Ms())),
                    us(put.latency().p50Ms()), us(put.latency().p99Ms()), us(put.latency().p999Ms()),
                    diff(1000 * (put.latency().p50Ms() - plainPut.latency().p50Ms())), ReportWriter.errors(errors)));
        }
        return rows;
    }

    private static String us(double ms) {
        return String.format(Locale.ROOT, "%.0f", ms * 1000);
    }

    private static String diff(double us) {
        return String.format(Locale.ROOT, "%+.0f", us);
    }

    /** Closes every node, the last started first; the first failure is thrown after all were tried. */
    private static void closeAll(List<Node> nodes) {
        RuntimeException failure = null;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            try {
                nodes.get(i).close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
