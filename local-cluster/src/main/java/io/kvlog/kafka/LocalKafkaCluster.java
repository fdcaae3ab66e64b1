package io.kvlog.kafka;

import io.kvlog.kafka.BrokerConfig.BrokerAddress;
import io.kvlog.kafka.internal.JavaProcess;
import io.kvlog.kafka.internal.Ports;
import io.kvlog.protocol.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * A local KRaft cluster of real broker processes, each a separate JVM running {@code kafka.Kafka}
 * from this JVM's class path, all listening on 127.0.0.1.
 *
 * <p>The cluster lives in a data directory: {@code cluster.json} records ids, ports and pids, and
 * {@code brokers/broker-N/} holds each broker's config, log file and partitions. A later process
 * can {@link #open} the directory and manage brokers an earlier one started; processes are
 * recognised by pid and by their config path in the command line, so a dead or recycled pid is
 * never taken for a running broker.
 *
 * <p>A cluster created with {@link KafkaSasl} users (see {@link Spec#withSasl}) is secured: every
 * listener takes SASL/PLAIN only, the standard authorizer allows nothing without an ACL, and the
 * admin client of this class, like every client of the {@code kv} command, connects as the super
 * user; {@link #createNodeAcls} lets the node user do what a node needs.
 *
 * <p>Closing this object does not stop the brokers (they are meant to outlive the {@code kv}
 * command that started them); call {@link #stopAll} for that.
 */
public final class LocalKafkaCluster {

    /** Default number of brokers. */
    public static final int DEFAULT_BROKERS = 3;

    private static final String BROKER_MAIN = "kafka.Kafka";
    private static final String STORAGE_TOOL_MAIN = "kafka.tools.StorageTool";
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    // a JVM start; on a loaded 2-core machine three at once took more than a minute
    private static final Duration FORMAT_TIMEOUT = Duration.ofMinutes(3);

    private final Path dataDir;
    private final ClusterStateFile stateFile;
    private final String classpath;
    private final String brokerHeap;
    // null: PLAINTEXT without authorization
    private final KafkaSasl sasl;
    // replaced (never mutated) under this object's lock; volatile so other threads see the newest
    private volatile ClusterState state;

    private LocalKafkaCluster(Path dataDir, ClusterState state, String classpath, String brokerHeap, KafkaSasl sasl) {
        this.dataDir = dataDir.toAbsolutePath();
        this.stateFile = new ClusterStateFile(this.dataDir);
        this.state = state;
        this.classpath = classpath;
        this.brokerHeap = brokerHeap;
        this.sasl = sasl;
    }

    /**
     * Options for creating a cluster. {@code basePort} 0 picks free ports; {@code sasl} null makes
     * a cluster without security.
     */
    public record Spec(Path dataDir, int brokers, int partitions, int basePort, String brokerHeap, KafkaSasl sasl) {
        public Spec {
            if (brokers < 1 || brokers > 9) {
                throw new IllegalArgumentException("brokers must be between 1 and 9, got " + brokers);
            }
            if (partitions < 1 || partitions > 1000) {
                throw new IllegalArgumentException("partitions must be between 1 and 1000, got " + partitions);
            }
            if (basePort != 0 && (basePort < 1024 || basePort > 65535 - 2 * brokers)) {
                throw new IllegalArgumentException("base port must be 0 (pick free ports) or 1024-" + (65535 - 2 * brokers)
                        + ", got " + basePort);
            }
        }

        public static Spec defaults(Path dataDir) {
            return new Spec(dataDir, DEFAULT_BROKERS, io.kvlog.protocol.Topics.DEFAULT_PARTITIONS, 0, "512m", null);
        }

        public Spec withBrokers(int n) {
            return new Spec(dataDir, n, partitions, basePort, brokerHeap, sasl);
        }

        public Spec withPartitions(int p) {
            return new Spec(dataDir, brokers, p, basePort, brokerHeap, sasl);
        }

        public Spec withBasePort(int port) {
            return new Spec(dataDir, brokers, partitions, port, brokerHeap, sasl);
        }

        /** A secured cluster with these users. */
        public Spec withSasl(KafkaSasl users) {
            return new Spec(dataDir, brokers, partitions, basePort, brokerHeap, users);
        }
    }

    /** True if {@code dataDir} holds a cluster. */
    public static boolean exists(Path dataDir) {
        return Files.exists(new ClusterStateFile(dataDir).path());
    }

    /** Opens the cluster kept in {@code dataDir}. */
    public static LocalKafkaCluster open(Path dataDir) {
        ClusterState state = new ClusterStateFile(dataDir).read()
                .orElseThrow(() -> new IllegalStateException("no cluster in " + dataDir.toAbsolutePath()
                        + " (no " + ClusterStateFile.FILE_NAME + "); start one with 'kv up'"));
        KafkaSasl sasl = state.kafkaSasl() ? KafkaSasl.read(dataDir.toAbsolutePath()) : null;
        return new LocalKafkaCluster(dataDir, state, currentClasspath(), "512m", sasl);
    }

    /**
     * Creates a new cluster in {@code spec.dataDir()}: picks ports, writes each broker's config and
     * formats its storage. Brokers are not started.
     */
    public static LocalKafkaCluster create(Spec spec, Consumer<String> progress) {
        if (exists(spec.dataDir())) {
            throw new IllegalStateException("a cluster already exists in " + spec.dataDir().toAbsolutePath());
        }
        List<Integer> ports = spec.basePort() == 0
                ? Ports.free(2 * spec.brokers())
                : java.util.stream.IntStream.range(spec.basePort(), spec.basePort() + 2 * spec.brokers()).boxed().toList();
        List<BrokerState> brokers = new ArrayList<>();
        for (int i = 0; i < spec.brokers(); i++) {
            int id = i + 1;
            brokers.add(new BrokerState(id, ports.get(2 * i), ports.get(2 * i + 1), "brokers/broker-" + id, 0));
        }
        ClusterState state = new ClusterState(Uuid.randomUuid().toString(), spec.partitions(), brokers, List.of(),
                spec.sasl() != null);
        LocalKafkaCluster cluster = new LocalKafkaCluster(spec.dataDir(), state, currentClasspath(), spec.brokerHeap(),
                spec.sasl());
        if (spec.sasl() != null) {
            spec.sasl().write(cluster.dataDir);
        }
        cluster.format(progress);
        cluster.stateFile.write(state);
        return cluster;
    }

    public Path dataDir() {
        return dataDir;
    }

    public ClusterState state() {
        return state;
    }

    /** Records a node's new state (the CLI manages node processes; the state file is this cluster's). */
    public synchronized void update(NodeState node) {
        state = state.with(node);
        stateFile.write(state);
    }

    /** True if the brokers take SASL only and authorize with ACLs. */
    public boolean secured() {
        return sasl != null;
    }

    /**
     * The security settings every Kafka client of the {@code kv} command adds to its own: the super
     * user's SASL settings on a secured cluster, none on another.
     */
    public Map<String, Object> clientSecurity() {
        return sasl == null ? Map.of() : Map.copyOf(sasl.clientProperties(KafkaSasl.ADMIN));
    }

    /** The client properties file a node passes to {@code --kafka-config}; empty on a cluster without security. */
    public Optional<Path> nodeClientFile() {
        return sasl == null ? Optional.empty() : Optional.of(KafkaSasl.clientFile(dataDir, KafkaSasl.NODE));
    }

    /**
     * Lets the node user do what a node needs ({@link KafkaSasl#nodeAcls}); brokers must be ready.
     * Creating an ACL that exists changes nothing, so this may run on every start.
     *
     * @throws IllegalStateException if the cluster is not secured or does not create them in time
     */
    public void createNodeAcls() {
        if (sasl == null) {
            throw new IllegalStateException("the cluster in " + dataDir + " has no SASL users, so no ACLs");
        }
        try (Admin admin = admin()) {
            admin.createAcls(KafkaSasl.nodeAcls()).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the ACLs of " + KafkaSasl.NODE + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ACLs of " + KafkaSasl.NODE, e);
        }
    }

    /** {@code host:port,...} of every broker. */
    public String bootstrapServers() {
        return state.brokers().stream().map(BrokerState::address).collect(Collectors.joining(","));
    }

    /** The config file of a broker; its path also marks the broker's process. */
    public Path configFile(int id) {
        return brokerDir(id).resolve("server.properties");
    }

    /** The broker's log file (its stdout and stderr). */
    public Path logFile(int id) {
        return brokerDir(id).resolve("broker.log");
    }

    /** Every broker with its process state. */
    public List<BrokerStatus> brokers() {
        return state.brokers().stream()
                .map(b -> new BrokerStatus(b.id(), b.address(), b.controllerPort(), b.pid(),
                        isRunning(b.id()), logFile(b.id())))
                .toList();
    }

    /** One broker and whether its process is alive. */
    public record BrokerStatus(int id, String address, int controllerPort, long pid, boolean running, Path logFile) {
    }

    /** True if the broker's process is alive. */
    public boolean isRunning(int id) {
        BrokerState b = broker(id);
        return JavaProcess.isAlive(b.pid(), configFile(id).toString());
    }

    /** Starts every broker that is not running and waits until all are ready. */
    public void startAll(Duration timeout, Consumer<String> progress) {
        launchAll(progress);
        awaitReady(state.brokers().stream().map(BrokerState::id).toList(), timeout, progress);
    }

    /**
     * Starts every broker that is not running without waiting for them (then {@link #awaitReady}),
     * so a caller can start other processes while the brokers come up; returns the ids started.
     */
    public List<Integer> launchAll(Consumer<String> progress) {
        List<Integer> started = new ArrayList<>();
        for (BrokerState b : state.brokers()) {
            if (!isRunning(b.id())) {
                launch(b.id());
                started.add(b.id());
                progress.accept("started broker " + b.id() + " on " + b.address() + " (pid " + broker(b.id()).pid() + ")");
            }
        }
        return started;
    }

    /** Starts one broker (if not running) and waits until it is ready. */
    public void startBroker(int id, Duration timeout, Consumer<String> progress) {
        if (isRunning(id)) {
            progress.accept("broker " + id + " is already running (pid " + broker(id).pid() + ")");
        } else {
            launch(id);
            progress.accept("started broker " + id + " (pid " + broker(id).pid() + ")");
        }
        awaitReady(List.of(id), timeout, progress);
    }

    /** Stops a broker with SIGTERM (clean shutdown), SIGKILL if it has not exited after 30 s. Returns false if it was not running. */
    public boolean stopBroker(int id) {
        return JavaProcess.terminate(broker(id).pid(), configFile(id).toString(), STOP_GRACE);
    }

    /** Kills a broker with SIGKILL. Returns false if it was not running. */
    public boolean killBroker(int id) {
        return JavaProcess.kill(broker(id).pid(), configFile(id).toString());
    }

    /** Stops every running broker: SIGTERM to all at once, SIGKILL to those still alive after the grace time. */
    public List<Integer> stopAll() {
        Map<Integer, ProcessHandle> running = new TreeMap<>();
        for (BrokerState b : state.brokers()) {
            JavaProcess.find(b.pid(), configFile(b.id()).toString()).ifPresent(p -> running.put(b.id(), p));
        }
        JavaProcess.terminateAll(running.values(), STOP_GRACE);
        return List.copyOf(running.keySet());
    }

    /** An admin client for this cluster; the caller closes it. */
    public Admin admin() {
        Properties props = new Properties();
        props.putAll(clientSecurity());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return Admin.create(props);
    }

    /**
     * Waits until each of {@code ids} is registered and unfenced in the cluster. Fails at once,
     * naming the broker and its log file, if a broker process exits; fails the same way on timeout.
     *
     * @throws BrokerException naming the first broker that exited or is late
     */
    public void awaitReady(Collection<Integer> ids, Duration timeout, Consumer<String> progress) {
        JavaProcess.Kind brokers = new JavaProcess.Kind("broker", this::isRunning, this::answersAsRegistered, this::logFile);
        try {
            JavaProcess.awaitReady(brokers, ids, timeout, progress);
        } catch (JavaProcess.NotReadyException e) {
            throw new BrokerException(e.id(), e.getMessage());
        }
    }

    /**
     * True if the broker itself answers on its port and the cluster lists it as live. Asking the
     * broker, not the cluster, matters after a restart: the cluster may still list the killed
     * process until its session expires.
     */
    private boolean answersAsRegistered(int id) {
        Properties props = new Properties();
        props.putAll(clientSecurity());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker(id).address());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        try (Admin admin = Admin.create(props)) {
            Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                    .nodes().get(3, TimeUnit.SECONDS);
            return nodes.stream().anyMatch(n -> n.id() == id);
        } catch (ExecutionException | TimeoutException e) {
            return false; // not up yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A broker that failed to start or stop, with a message naming it and its log. */
    public static final class BrokerException extends RuntimeException {
        private final int brokerId;

        public BrokerException(int brokerId, String message) {
            super(message);
            this.brokerId = brokerId;
        }

        public int brokerId() {
            return brokerId;
        }
    }

    private void launch(int id) {
        BrokerState b = broker(id);
        writeBrokerFiles(b);
        Path dir = brokerDir(id);
        List<String> jvm = List.of(
                "-Xms" + brokerHeap, "-Xmx" + brokerHeap,
                "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
                "-Dkafka.logs.dir=" + dir);
        long pid = JavaProcess.start(classpath, jvm, BROKER_MAIN, List.of(configFile(id).toString()), logFile(id), dir);
        record(b.withPid(pid));
    }

    // under the same lock as update(NodeState): a node restarted by another thread at the same time
    // must not write back a state without this broker's new pid (it would then look dead)
    private synchronized void record(BrokerState broker) {
        state = state.with(broker);
        stateFile.write(state);
    }

    private void format(Consumer<String> progress) {
        progress.accept("formatting storage of " + state.brokers().size() + " broker(s), cluster id " + state.clusterId());
        List<Thread> threads = new ArrayList<>();
        Map<Integer, RuntimeException> failures = new java.util.concurrent.ConcurrentHashMap<>();
        for (BrokerState b : state.brokers()) {
            writeBrokerFiles(b);
            // one JVM per broker: the storage tool calls System.exit
            Thread t = new Thread(() -> {
                try {
                    int code = JavaProcess.run(classpath, List.of("-Xmx256m"), STORAGE_TOOL_MAIN,
                            List.of("format", "--cluster-id", state.clusterId(), "--config", configFile(b.id()).toString(),
                                    "--ignore-formatted"),
                            brokerDir(b.id()).resolve("format.log"), FORMAT_TIMEOUT);
                    if (code != 0) {
                        failures.put(b.id(), new BrokerException(b.id(), "formatting storage of broker " + b.id()
                                + " failed with exit code " + code + "; see " + brokerDir(b.id()).resolve("format.log")
                                + JavaProcess.tail(brokerDir(b.id()).resolve("format.log"))));
                    }
                } catch (RuntimeException e) {
                    failures.put(b.id(), e);
                }
            }, "format-broker-" + b.id());
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while formatting storage", e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.values().iterator().next();
        }
    }

    private void writeBrokerFiles(BrokerState b) {
        List<BrokerAddress> quorum = state.brokers().stream()
                .map(x -> new BrokerAddress(x.id(), x.port(), x.controllerPort()))
                .toList();
        BrokerConfig config = new BrokerConfig(b.id(), b.port(), b.controllerPort(), brokerDir(b.id()).resolve("data"), quorum,
                sasl);
        try {
            Files.createDirectories(brokerDir(b.id()));
            // a secured broker's config holds every user's password
            if (sasl == null) {
                Files.writeString(configFile(b.id()), config.render(), StandardCharsets.UTF_8);
            } else {
                PrivateFiles.write(configFile(b.id()), config.render());
            }
            Files.writeString(brokerDir(b.id()).resolve("log4j2.properties"), BROKER_LOG4J, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write config of broker " + b.id() + ": " + e.getMessage(), e);
        }
    }

    private BrokerState broker(int id) {
        return state.broker(id).orElseThrow(() -> new IllegalArgumentException(
                "no broker " + id + " in this cluster; brokers are "
                        + state.brokers().stream().map(b -> Integer.toString(b.id())).collect(Collectors.joining(", "))));
    }

    private Path brokerDir(int id) {
        return dataDir.resolve(broker(id).dir());
    }

    private static String currentClasspath() {
        String cp = System.getProperty("java.class.path", "");
        if (!cp.contains("kafka_2.13")) {
            throw new IllegalStateException("the broker (org.apache.kafka:kafka_2.13) is not on this JVM's class path;"
                    + " run kvlog through ./kv or a Maven build that includes the local-cluster module");
        }
        return cp;
    }

    private static final String BROKER_LOG4J = String.join("\n",
            "# written by kvlog: the broker's log goes to stdout, which is appended to broker.log",
            "status = warn",
            "appender.out.type = Console",
            "appender.out.name = out",
            "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = [%d] %p %m (%c)%n",
            "rootLogger.level = info",
            "rootLogger.appenderRef.out.ref = out",
            "logger.request.name = kafka.request.logger",
            "logger.request.level = warn",
            "logger.statechange.name = state.change.logger",
            "logger.statechange.level = warn",
            "");
}
