package io.kvlog.cli;

import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import io.kvlog.kafka.internal.JavaProcess;
import io.kvlog.kafka.internal.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The kvlog node processes of a local cluster: each a JVM running {@code io.kvlog.node.NodeMain}
 * from the CLI's class path on a free 127.0.0.1 port, with its log and state under
 * {@code DATA/nodes/node-N/}, recorded in the cluster's state file. On a secured cluster every
 * node connects as the node user ({@code --kafka-config DATA/kafka-sasl/kvnode.properties}).
 */
public final class LocalNodes {

    private static final String NODE_MAIN = "io.kvlog.node.NodeMain";
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final LocalKafkaCluster cluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** The local cluster's admin token, sent with every call to its nodes; null if its auth is off. */
    private final String adminToken;

    public LocalNodes(LocalKafkaCluster cluster) {
        this.cluster = cluster;
        this.adminToken = LocalAuth.adminToken(cluster.dataDir());
    }

    /** One node and its process state. */
    public record NodeStatus(int id, String url, long pid, boolean running, boolean ready, Path logFile) {
    }

    public List<NodeState> nodes() {
        return cluster.state().nodes();
    }

    public NodeState node(int id) {
        return cluster.state().node(id).orElseThrow(() -> KvException.notFound("no node " + id + "; nodes are "
                + nodes().stream().map(n -> Integer.toString(n.id())).toList() + " (add one with 'kv node join')"));
    }

    /** Adds node {@code id} (or the next free id if 0) with a free port; does not start it. */
    public NodeState add(int id) {
        int newId = id > 0 ? id : nodes().stream().mapToInt(NodeState::id).max().orElse(0) + 1;
        if (cluster.state().node(newId).isPresent()) {
            throw new KvException(ExitCode.FAILED, "node " + newId + " exists already");
        }
        NodeState node = new NodeState(newId, Ports.free(1).get(0), "nodes/node-" + newId, 0);
        cluster.update(node);
        return node;
    }

    public Path dir(int id) {
        return cluster.dataDir().resolve(node(id).dir());
    }

    public Path logFile(int id) {
        return dir(id).resolve("node.log");
    }

    public Path stateDir(int id) {
        return dir(id).resolve("state");
    }

    public boolean isRunning(int id) {
        return JavaProcess.isAlive(node(id).pid(), stateDir(id).toString());
    }

    /** Starts the node's process if it is not running; returns its pid. */
    public long start(int id) {
        NodeState node = node(id);
        if (isRunning(id)) {
            return node.pid();
        }
        int brokers = cluster.state().brokers().size();
        List<String> jvm = List.of("-Xms128m", "-Xmx512m", "-XX:+UseG1GC",
                "-Dlog4j2.configurationFile=log4j2-node.xml", "-Djava.awt.headless=true");
        List<String> args = new ArrayList<>(List.of("--id", Integer.toString(id), "--port", Integer.toString(node.port()),
                "--host", "127.0.0.1", "--bootstrap-servers", cluster.bootstrapServers(),
                "--state-dir", stateDir(id).toString(),
                "--partitions", Integer.toString(cluster.state().partitions()),
                "--replication-factor", Integer.toString(Math.min(3, brokers))));
        // a secured cluster's node user: the file, not the password, is on the command line
        cluster.nodeClientFile().ifPresent(file -> args.addAll(List.of("--kafka-config", file.toString())));
        Map<String, String> env = Map.of();
        if (LocalAuth.on(cluster.dataDir())) {
            args.addAll(List.of("--auth-file", LocalAuth.file(cluster.dataDir()).toString()));
            env = Map.of("KV_NODE_TOKEN", LocalAuth.nodeToken(cluster.dataDir()));
        }
        long pid = JavaProcess.start(System.getProperty("java.class.path"), jvm, NODE_MAIN, args, env, logFile(id),
                dir(id));
        cluster.update(node.withPid(pid));
        return pid;
    }

    /** SIGTERM, SIGKILL after 30 s; false if it was not running. */
    public boolean stop(int id) {
        return JavaProcess.terminate(node(id).pid(), stateDir(id).toString(), STOP_GRACE);
    }

    /** SIGKILL; false if it was not running. */
    public boolean kill(int id) {
        return JavaProcess.kill(node(id).pid(), stateDir(id).toString());
    }

    /** Stops every running node: SIGTERM to all at once, SIGKILL to those still alive after 30 s; returns the ids stopped. */
    public List<Integer> stopAll() {
        Map<Integer, ProcessHandle> running = new TreeMap<>();
        for (NodeState n : nodes()) {
            JavaProcess.find(n.pid(), stateDir(n.id()).toString()).ifPresent(p -> running.put(n.id(), p));
        }
        JavaProcess.terminateAll(running.values(), STOP_GRACE);
        return List.copyOf(running.keySet());
    }

    /** Deletes the node's copy of the data, its state dir (it must be stopped): started again, it replays the log. */
    public void wipeState(int id) {
        if (isRunning(id)) {
            throw new KvException(ExitCode.FAILED, "node " + id + " is running; stop it before wiping its state");
        }
        Path state = stateDir(id);
        if (!Files.exists(state)) {
            return;
        }
        try (Stream<Path> files = Files.walk(state)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + state, e);
        }
    }

    public boolean isReady(int id) {
        return get(node(id).url() + "/v1/ready").map(r -> r.statusCode() == 200).orElse(false);
    }

    /** GET a node URL (as the local cluster's admin when its auth is on); empty if it does not answer. */
    public Optional<HttpResponse<String>> get(String url) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).GET();
        if (adminToken != null) {
            request.header("Authorization", "Bearer " + adminToken);
        }
        try {
            return Optional.of(http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Waits until every node of {@code ids} answers ready; fails naming a node that exited or is late, with its log. */
    public void awaitReady(Collection<Integer> ids, Duration timeout, Consumer<String> progress) {
        JavaProcess.Kind nodes = new JavaProcess.Kind("node", this::isRunning, this::isReady, this::logFile);
        try {
            JavaProcess.awaitReady(nodes, ids, timeout, progress);
        } catch (JavaProcess.NotReadyException e) {
            throw new KvException(ExitCode.FAILED, e.getMessage(), e);
        }
    }

    /**
     * Every node's URL in order, starting from the first node that answers ready and going round
     * (the nodes before it come last); empty if no node is ready.
     */
    public List<String> urlsFromFirstReady() {
        List<NodeState> nodes = nodes();
        List<String> urls = nodes.stream().map(NodeState::url).toList();
        for (int i = 0; i < urls.size(); i++) {
            int id = nodes.get(i).id();
            if (isRunning(id) && isReady(id)) {
                List<String> rotated = new ArrayList<>(urls.subList(i, urls.size()));
                rotated.addAll(urls.subList(0, i));
                return rotated;
            }
        }
        return List.of();
    }

    public List<NodeStatus> statuses() {
        return nodes().stream().map(n -> {
            boolean running = isRunning(n.id());
            return new NodeStatus(n.id(), n.url(), n.pid(), running, running && isReady(n.id()), logFile(n.id()));
        }).toList();
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException(ExitCode.FAILED, "interrupted");
        }
    }
}
