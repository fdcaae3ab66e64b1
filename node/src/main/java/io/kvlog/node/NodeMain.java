package io.kvlog.node;

import io.kvlog.http.NodeSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kvlog-node}: runs one node until SIGTERM. Every setting is a flag, else a {@code KV_*}
 * environment variable, else a default — in that order.
 */
@Command(name = "kvlog-node", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run one kvlog node (writer, materializer and query roles on one HTTP port) until SIGTERM.")
public final class NodeMain implements Callable<Integer> {

    @Option(names = "--id", defaultValue = "${env:KV_NODE_ID:-1}", description = "Node id (env KV_NODE_ID, default 1).")
    int id;

    @Option(names = "--host", defaultValue = "${env:KV_HOST:-127.0.0.1}",
            description = "Address to bind and advertise (env KV_HOST, default 127.0.0.1).")
    String host;

    @Option(names = "--port", defaultValue = "${env:KV_PORT:-8080}", description = "HTTP port (env KV_PORT, default 8080).")
    int port;

    @Option(names = "--bootstrap-servers", defaultValue = "${env:KV_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka bootstrap servers (env KV_BOOTSTRAP_SERVERS, default 127.0.0.1:9092).")
    String bootstrapServers;

    @Option(names = "--state-dir", defaultValue = "${env:KV_STATE_DIR:-./data/node-state}",
            description = "Directory of this node's copy, RocksDB (env KV_STATE_DIR, default ./data/node-state).")
    Path stateDir;

    @Option(names = "--partitions", defaultValue = "${env:KV_PARTITIONS:-12}",
            description = "Partitions of kv.events if this node creates it (env KV_PARTITIONS, default 12).")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "${env:KV_REPLICATION_FACTOR:-3}",
            description = "Replication factor of kv.events and kv.nodes (env KV_REPLICATION_FACTOR, default 3).")
    int replicationFactor;

    @Option(names = "--ack-timeout-ms", defaultValue = "${env:KV_ACK_TIMEOUT_MS:-1000}",
            description = "Write deadline in ms (env KV_ACK_TIMEOUT_MS, default 1000).")
    long ackTimeoutMs;

    @Option(names = "--dedupe-window-ms", defaultValue = "${env:KV_DEDUPE_WINDOW_MS:-86400000}",
            description = "How long, in log time, an id deduplicates (env KV_DEDUPE_WINDOW_MS, default 24 h).")
    long dedupeWindowMs;

    @Option(names = "--max-value-bytes", defaultValue = "${env:KV_MAX_VALUE_BYTES:-1048576}",
            description = "Largest value in bytes (env KV_MAX_VALUE_BYTES, default 1 MiB).")
    int maxValueBytes;

    @Option(names = "--roles", split = ",", defaultValue = "${env:KV_ROLES:-writer,materializer,query}",
            description = "Roles of this node, comma-separated (env KV_ROLES, default writer,materializer,query).")
    Set<String> roles;

    @Option(names = "--node-timeout-ms", defaultValue = "${env:KV_NODE_TIMEOUT_MS:-3000}",
            description = "A node whose last heartbeat is older is not live (env KV_NODE_TIMEOUT_MS, default 3000).")
    long nodeTimeoutMs;

    @Option(names = "--watch-buffer-bytes", defaultValue = "${env:KV_WATCH_BUFFER_BYTES:-16777216}",
            description = "How many bytes of changes one watcher may fall behind before it is closed with an error"
                    + " event: the memory one watcher can hold (env KV_WATCH_BUFFER_BYTES, default 16777216 = 16 MiB).")
    long watchBufferBytes;

    @Option(names = "--kafka-config", defaultValue = "${env:KV_KAFKA_CONFIG}", paramLabel = "FILE",
            description = {"Kafka client properties passed to every Kafka client of the node, e.g. security.protocol,",
                    "sasl.mechanism, sasl.jaas.config, ssl.truststore.location (env KV_KAFKA_CONFIG, default none)."})
    Path kafkaConfig;

    @Option(names = "--max-request-line-bytes", defaultValue = "${env:KV_MAX_REQUEST_LINE_BYTES:-16384}",
            description = "Longest HTTP request line; longer is answered 414 (env KV_MAX_REQUEST_LINE_BYTES, default 16384).")
    int maxRequestLineBytes;

    @Option(names = "--max-header-bytes", defaultValue = "${env:KV_MAX_HEADER_BYTES:-8192}",
            description = "Largest HTTP request headers, all lines together; larger is answered 431 (env KV_MAX_HEADER_BYTES,"
                    + " default 8192).")
    int maxHeaderBytes;

    @Option(names = "--head-timeout-ms", defaultValue = "${env:KV_HEAD_TIMEOUT_MS:-10000}",
            description = "A new connection without a whole request head by then is closed (env KV_HEAD_TIMEOUT_MS,"
                    + " default 10000).")
    long headTimeoutMs;

    @Option(names = "--idle-timeout-ms", defaultValue = "${env:KV_IDLE_TIMEOUT_MS:-30000}",
            description = "A connection without a request in flight for this long is closed; a watch is in flight"
                    + " (env KV_IDLE_TIMEOUT_MS, default 30000).")
    long idleTimeoutMs;

    @Option(names = "--body-timeout-ms", defaultValue = "${env:KV_BODY_TIMEOUT_MS:-30000}",
            description = "A request body not whole by then (after its head) is answered 408 and its connection closed"
                    + " (env KV_BODY_TIMEOUT_MS, default 30000).")
    long bodyTimeoutMs;

    @Option(names = "--max-connections", defaultValue = "${env:KV_MAX_CONNECTIONS:-4096}",
            description = "Open HTTP connections; one more is closed as it opens (env KV_MAX_CONNECTIONS, default 4096).")
    int maxConnections;

    @Option(names = "--auth-file", defaultValue = "${env:KV_AUTH_FILE}", paramLabel = "FILE",
            description = {"Turns authentication on: principals, roles and token hashes (kv auth writes it); re-read",
                    "within 2 s of a change (env KV_AUTH_FILE, default none: anyone reaching the port may do everything)."})
    Path authFile;

    @Option(names = "--node-token", defaultValue = "${env:KV_NODE_TOKEN}", paramLabel = "TOKEN",
            description = {"The bearer token this node sends to the other nodes (wait=all); its principal needs admin.",
                    "Required with --auth-file. Prefer the env KV_NODE_TOKEN: flags show in ps."})
    String nodeToken;

    @Option(names = "--rate-limit", defaultValue = "${env:KV_RATE_LIMIT:-0}", paramLabel = "N",
            description = {"Requests per second each principal may send (per client address with auth off), unless",
                    "the auth file sets its own; beyond it 429 with Retry-After (env KV_RATE_LIMIT, default 0: none)."})
    int rateLimit;

    @Option(names = "--tls-cert", defaultValue = "${env:KV_TLS_CERT}", paramLabel = "PEM",
            description = "Serve HTTPS with this certificate chain (env KV_TLS_CERT, default none: plain HTTP).")
    Path tlsCert;

    @Option(names = "--tls-key", defaultValue = "${env:KV_TLS_KEY}", paramLabel = "PEM",
            description = "The private key (PKCS#8 PEM) of --tls-cert (env KV_TLS_KEY).")
    Path tlsKey;

    @Option(names = "--tls-client-ca", defaultValue = "${env:KV_TLS_CLIENT_CA}", paramLabel = "PEM",
            description = {"Require client certificates signed by this CA (mutual TLS); the node shows its own",
                    "certificate to the other nodes (env KV_TLS_CLIENT_CA, default none)."})
    Path tlsClientCa;

    @Option(names = "--cacert", defaultValue = "${env:KV_CACERT}", paramLabel = "PEM",
            description = "The CA this node trusts when it calls the other nodes over HTTPS (env KV_CACERT, default: the JDK's).")
    Path caCert;

    @Option(names = "--start-timeout-s", defaultValue = "${env:KV_START_TIMEOUT_S:-300}",
            description = "How long to wait for the node to be ready (env KV_START_TIMEOUT_S, default 300).")
    int startTimeoutSeconds;

    /** The typed config these options stand for. */
    NodeConfig config() {
        Set<Role> parsed = EnumSet.noneOf(Role.class);
        for (String r : roles) {
            try {
                parsed.add(Role.valueOf(r.trim().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("roles: must be writer, materializer or query, got '" + r + "'");
            }
        }
        return new NodeConfig(id, host, port, bootstrapServers, stateDir.toAbsolutePath(), partitions,
                replicationFactor, Duration.ofMillis(ackTimeoutMs), Duration.ofMillis(dedupeWindowMs), maxValueBytes,
                parsed, Duration.ofMillis(nodeTimeoutMs), watchBufferBytes, kafkaClient(),
                new HttpLimits(maxRequestLineBytes, maxHeaderBytes, Duration.ofMillis(headTimeoutMs),
                        Duration.ofMillis(idleTimeoutMs), Duration.ofMillis(bodyTimeoutMs), maxConnections), security());
    }

    /** The security these options stand for; plain HTTP without auth by default. */
    private NodeSecurity security() {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("tls: give both --tls-cert and --tls-key, or neither");
        }
        if (tlsCert == null && (tlsClientCa != null || caCert != null)) {
            throw new IllegalArgumentException("tls: --tls-client-ca and --cacert need --tls-cert and --tls-key");
        }
        NodeSecurity.Tls tls = tlsCert == null ? null : new NodeSecurity.Tls(tlsCert, tlsKey, tlsClientCa, caCert);
        return new NodeSecurity(authFile, authFile == null ? null : nodeToken, rateLimit, tls);
    }

    /** The properties of {@code --kafka-config}, empty without one. */
    private java.util.Map<String, Object> kafkaClient() {
        if (kafkaConfig == null) {
            return java.util.Map.of();
        }
        java.util.Properties props = new java.util.Properties();
        try (java.io.Reader in = java.nio.file.Files.newBufferedReader(kafkaConfig)) {
            props.load(in);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("kafka-config: cannot read " + kafkaConfig + ": " + e.getMessage(), e);
        }
        java.util.Map<String, Object> settings = new java.util.HashMap<>();
        props.forEach((k, v) -> settings.put(String.valueOf(k), String.valueOf(v)));
        return settings;
    }

    @Override
    public Integer call() throws Exception {
        NodeConfig config = config();
        Node node = new Node(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "kvlog-node-shutdown"));
        node.start(Duration.ofSeconds(startTimeoutSeconds));
        System.out.println(config.name() + " ready at " + config.url());
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new NodeMain());
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            System.err.println("kvlog-node: " + e.getMessage());
            org.slf4j.LoggerFactory.getLogger(NodeMain.class).error("node failed", e);
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        int code = cli.execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
