package io.kvlog.writer.testing;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.materializer.Read;
import io.kvlog.writer.WriterConfig;
import io.kvlog.writer.WriterService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;

/**
 * N in-process kvlog nodes on one Kafka cluster, for integration tests and the bench: each has
 * its own Vert.x, HTTP server on a free port of 127.0.0.1, {@link Materializer} (own state
 * directory, shared application id, {@code application.server} = its HTTP address) and
 * {@link WriterService}. {@link #start} returns once every node is {@code RUNNING} and every
 * partition has its active copy and its standbys placed; {@link #close} stops all and deletes
 * the state directories.
 */
public final class KvNodes implements AutoCloseable {

    private final List<Node> nodes;
    private final Path stateRoot;
    private final int partitions;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private KvNodes(List<Node> nodes, Path stateRoot, int partitions) {
        this.nodes = nodes;
        this.stateRoot = stateRoot;
        this.partitions = partitions;
    }

    /** One node: its HTTP base URL and its parts. */
    public record Node(String id, String url, int port, Vertx vertx, HttpServer server, Materializer materializer,
                       WriterService writer) implements AutoCloseable {

        @Override
        public void close() {
            // the writer first, so no request waits on a closing materializer
            writer.close();
            join(server.close());
            materializer.close(Duration.ofSeconds(20));
            join(vertx.close());
        }
    }

    /**
     * Starts {@code count} nodes on {@code bootstrapServers} (where {@code kv.events} exists) and
     * waits until they are settled, within {@code timeout}.
     *
     * @param partitions    partitions of {@code kv.events}
     * @param applicationId distinct per harness on a shared cluster, so each starts from offset 0 on its own
     * @param writerConfig  adjusts the writer's defaults (e.g. a small maxInFlight)
     */
    public static KvNodes start(String bootstrapServers, int partitions, int count, String applicationId,
                                UnaryOperator<WriterConfig> writerConfig, Duration timeout) {
        Path stateRoot;
        try {
            Files.createDirectories(Path.of("target"));
            stateRoot = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "kv-nodes-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Node> nodes = new ArrayList<>();
        KvNodes started = new KvNodes(nodes, stateRoot, partitions);
        ExecutorService starter = Executors.newFixedThreadPool(count);
        try {
            List<Future<Node>> starting = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                String id = "node-" + i;
                Path stateDir = stateRoot.resolve(id);
                // every node starts at once: one rebalance instead of one per node
                starting.add(starter.submit(() -> startNode(id, bootstrapServers, stateDir, applicationId,
                        writerConfig.apply(WriterConfig.defaults(bootstrapServers)), timeout)));
            }
            List<Throwable> failures = new ArrayList<>();
            for (Future<Node> f : starting) {
                try {
                    nodes.add(f.get());
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            if (!failures.isEmpty()) {
                IllegalStateException failed = new IllegalStateException("nodes failed to start: " + failures,
                        failures.get(0));
                failures.stream().skip(1).forEach(failed::addSuppressed);
                throw failed;
            }
            started.awaitSettled(timeout);
            return started;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.close();
            throw new IllegalStateException("interrupted while starting nodes", e);
        } catch (RuntimeException e) {
            try {
                started.close();
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        } finally {
            starter.shutdownNow();
        }
    }

    private static Node startNode(String id, String bootstrapServers, Path stateDir, String applicationId,
                                  WriterConfig writerConfig, Duration timeout) throws InterruptedException {
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        // bind first, so application.server names the port actually held; routes are added after
        HttpServer server = join(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
        int port = server.actualPort();
        String url = "http://127.0.0.1:" + port;
        Replies.install(router, new NodeIdentity(id, url));
        Materializer materializer = new Materializer(MaterializerConfig.defaults(bootstrapServers, stateDir,
                "127.0.0.1:" + port).withApplicationId(applicationId));
        WriterService writer = new WriterService(vertx, writerConfig, materializer);
        writer.mount(router);
        Node node = new Node(id, url, port, vertx, server, materializer, writer);
        try {
            materializer.start(timeout);
        } catch (RuntimeException | InterruptedException e) {
            node.close();
            throw e;
        }
        return node;
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** The {@code i}-th node, 0-based. */
    public Node node(int i) {
        return nodes.get(i);
    }

    /**
     * Waits until every node is {@code RUNNING} and every partition of {@code kv.events} has
     * exactly one active copy and {@code min(standbys, nodes - 1)} standby copies.
     */
    public void awaitSettled(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int standbys = Math.min(MaterializerConfig.DEFAULT_STANDBY_REPLICAS, nodes.size() - 1);
        String last = "";
        while (System.nanoTime() < deadline) {
            last = placement();
            if (settled(standbys)) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException("nodes not settled after " + timeout + ": " + last);
    }

    private boolean settled(int standbys) {
        java.util.Map<Integer, int[]> copies = new java.util.TreeMap<>(); // partition -> {active, standby}
        for (Node node : nodes) {
            if (node.materializer().state() != KafkaStreams.State.RUNNING) {
                return false;
            }
            for (Map.Entry<Integer, Boolean> copy : node.materializer().localCopies().entrySet()) {
                copies.computeIfAbsent(copy.getKey(), p -> new int[2])[copy.getValue() ? 0 : 1]++;
            }
        }
        if (copies.size() != partitions) {
            return false;
        }
        return copies.values().stream().allMatch(c -> c[0] == 1 && c[1] == standbys);
    }

    /** Stacks of the Kafka Streams threads of this JVM, to tell why a copy stopped applying. */
    public static String streamThreadStacks() {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().contains("StreamThread") || thread.getName().contains("StateUpdater")) {
                dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
                for (StackTraceElement frame : stack) {
                    dump.append("    at ").append(frame).append('\n');
                }
            }
        });
        return dump.toString();
    }

    /** How many copies each partition has: the active one and its standbys. */
    public int copiesPerPartition() {
        return 1 + Math.min(MaterializerConfig.DEFAULT_STANDBY_REPLICAS, nodes.size() - 1);
    }

    public int partitions() {
        return partitions;
    }

    /** Every node's state and copies, for failure messages. */
    public String placement() {
        StringBuilder text = new StringBuilder();
        for (Node node : nodes) {
            text.append(node.id()).append(' ').append(node.materializer().state()).append(' ')
                    .append(node.materializer().localCopies()).append("; ");
        }
        return text.toString();
    }

    /**
     * Waits until every copy of {@code partition} has applied up to {@code endOffset - 1} and
     * returns their digests (node id → digest), which the caller compares.
     */
    public Map<String, Digest> digestsAt(int partition, long endOffset, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> last = new java.util.TreeMap<>();
        while (System.nanoTime() < deadline) {
            Map<String, Digest> digests = new java.util.TreeMap<>();
            last.clear();
            for (Node node : nodes) {
                if (!node.materializer().localCopies().containsKey(partition)) {
                    continue;
                }
                Read<Digest> read = node.materializer().digest(partition, false);
                last.put(node.id(), read);
                if (read instanceof Read.Hit<Digest> hit && hit.value().offset() == endOffset - 1) {
                    digests.put(node.id(), hit.value());
                }
            }
            if (digests.size() == copiesPerPartition()) {
                return digests;
            }
            sleep(100);
        }
        throw new IllegalStateException("copies of partition " + partition + " not all at offset " + (endOffset - 1)
                + " after " + timeout + ": " + last);
    }

    /** Stops every node and deletes their state. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RuntimeException first = null;
        for (Node node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        try (Stream<Path> files = Files.walk(stateRoot)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            if (first == null) {
                first = new UncheckedIOException("cannot delete " + stateRoot, e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    static <T> T join(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e.getCause() == null ? e : e.getCause());
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
