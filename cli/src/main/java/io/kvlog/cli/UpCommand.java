package io.kvlog.cli;

import io.kvlog.kafka.EventTopic;
import io.kvlog.kafka.KafkaSasl;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kv up}: creates (first time) or restarts the local cluster and waits until it is ready. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start the local cluster in the background and wait until it is ready.",
                "The first run creates it in the data directory; later runs start what is not running.",
                "Prints the bootstrap servers and the node URLs."})
final class UpCommand implements Callable<Integer> {

    @ParentCommand
    Kv kv;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--brokers", paramLabel = "N", defaultValue = "3",
            description = "Brokers of a new cluster (default: ${DEFAULT-VALUE}).")
    int brokers;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3",
            description = "kvlog nodes of a new cluster (default: ${DEFAULT-VALUE}; 0: brokers only).")
    int nodes;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "${env:KV_PARTITIONS:-12}",
            description = "Partitions of kv.events in a new cluster (env KV_PARTITIONS, default 12).")
    int partitions;

    @Option(names = "--base-port", paramLabel = "PORT", defaultValue = "0",
            description = "First of 2*N consecutive ports for a new cluster's brokers; 0 picks free ports (default).")
    int basePort;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for brokers, and then for nodes, to be ready (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--auth", description = {"Turn HTTP auth on: DATA/auth/auth.json with principals admin and node,",
            "their tokens in DATA/auth/*.token; the kv commands of this cluster send the admin token (default: off)."})
    boolean auth;

    @Option(names = "--kafka-sasl",
            description = {"Create the cluster secured: SASL/PLAIN on every broker listener, the standard authorizer",
                    "with ACLs, random passwords in DATA/kafka-sasl/ (mode 600); nodes connect as kvnode.",
                    "Only when the cluster is created; a secured cluster stays secured."})
    boolean kafkaSasl;

    @Override
    public Integer call() {
        Output out = kv.output();
        long start = System.nanoTime();
        LocalKafkaCluster local;
        if (LocalKafkaCluster.exists(cluster.dataDir())) {
            local = LocalKafkaCluster.open(cluster.dataDir());
            if (kafkaSasl && !local.secured()) {
                throw new KvException(ExitCode.USAGE, "--kafka-sasl: the cluster in " + cluster.dataDir()
                        + " was created without it; security is chosen when a cluster is created"
                        + " (use a new --data directory)");
            }
            out.progress("cluster in " + cluster.dataDir() + " exists; starting what is not running");
        } else {
            out.progress("creating a " + (kafkaSasl ? "secured " : "") + "cluster of " + brokers + " broker(s) in "
                    + cluster.dataDir());
            LocalKafkaCluster.Spec spec = LocalKafkaCluster.Spec.defaults(cluster.dataDir())
                    .withBrokers(brokers).withPartitions(partitions).withBasePort(basePort);
            local = LocalKafkaCluster.create(kafkaSasl ? spec.withSasl(KafkaSasl.generate()) : spec, out::progress);
        }
        if (auth && !LocalAuth.on(cluster.dataDir())) {
            LocalAuth.create(cluster.dataDir());
            out.progress("auth on: " + LocalAuth.file(cluster.dataDir()) + " (a node running already takes it when restarted)");
        }
        local.launchAll(out::progress);
        LocalNodes localNodes = new LocalNodes(local);
        if (localNodes.nodes().isEmpty()) {
            for (int i = 0; i < nodes; i++) {
                localNodes.add(0);
            }
        }
        List<Integer> ids = localNodes.nodes().stream().map(n -> n.id()).toList();
        if (!local.secured()) {
            // nodes start while the brokers come up (a node waits for them): JVM start-up overlaps
            startNodes(localNodes, ids, out);
        }
        try {
            local.awaitReady(local.state().brokers().stream().map(b -> b.id()).toList(),
                    Duration.ofSeconds(timeoutSeconds), out::progress);
        } catch (LocalKafkaCluster.BrokerException e) {
            throw new KvException(ExitCode.FAILED, e.getMessage(), e);
        }
        if (local.secured()) {
            // a node without its ACLs would fail its start: they come first, then the nodes
            local.createNodeAcls();
            out.progress("ACLs of " + KafkaSasl.NODE + " in place; credentials in " + local.dataDir().resolve(KafkaSasl.DIR));
            startNodes(localNodes, ids, out);
        }
        int topicPartitions = local.state().partitions();
        try (Admin admin = local.admin()) {
            EventTopic.Result result = EventTopic.ensure(admin,
                    EventTopic.Expected.forCluster(topicPartitions, local.state().brokers().size()));
            out.progress((result == EventTopic.Result.CREATED ? "created " : "verified ") + Topics.EVENTS
                    + " (" + topicPartitions + " partitions)");
        } catch (EventTopic.TopicMismatchException e) {
            throw new KvException(ExitCode.FAILED, e.getMessage(), e);
        }
        localNodes.awaitReady(ids, Duration.ofSeconds(timeoutSeconds), out::progress);
        long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        out.progress(String.format("cluster ready in %.1f s", millis / 1000.0));
        out.line("bootstrap servers: " + local.bootstrapServers());
        if (local.secured()) {
            out.line("kafka: SASL/PLAIN and ACLs; client settings in " + local.dataDir().resolve(KafkaSasl.DIR));
        } else {
            out.line("kafka: no authentication (a new cluster made with 'kv up --kafka-sasl' has SASL/PLAIN and ACLs)");
        }
        for (var node : localNodes.nodes()) {
            out.line("node " + node.id() + ": " + node.url());
        }
        if (!ids.isEmpty()) {
            out.line("try: ./kv put hello world && ./kv get hello");
        }
        if (LocalAuth.on(cluster.dataDir())) {
            out.line("auth is on: the kv commands send the admin token; other clients: export KV_TOKEN=$(cat "
                    + LocalAuth.dir(cluster.dataDir()).resolve("admin.token") + ")");
        } else {
            out.line("auth is off: anyone who reaches these ports may read and write; 'kv up --auth' turns it on"
                    + " (README: Security)");
        }
        return ExitCode.OK;
    }

    private static void startNodes(LocalNodes localNodes, List<Integer> ids, Output out) {
        for (int id : ids) {
            if (!localNodes.isRunning(id)) {
                out.progress("starting node " + id + " (pid " + localNodes.start(id) + ")");
            }
        }
    }
}
