package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import io.kvlog.materializer.Digest;
import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.materializer.Replayer;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Re-derives each partition's state from kv.events offset 0 with the materializer's apply code
 * ({@link Replayer}) and, when asked, compares the replay's digest with every running node's copy
 * of that partition. What {@code kv replay --verify} and {@code kv check}'s replay scenario run.
 *
 * <p>A copy is compared at the replay's offset: one still applying newer events is asked again
 * for a few seconds, then reported {@link CopyVerdict.Kind#NOT_COMPARABLE}; a node that holds no
 * copy of the partition (404) is {@link CopyVerdict.Kind#NO_COPY}.
 */
public final class LogReplay {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DIGEST_ATTEMPTS = 20;
    private static final long DIGEST_RETRY_MILLIS = 250;

    private final LocalKafkaCluster cluster;
    private final LocalNodes nodes;

    public LogReplay(LocalKafkaCluster cluster, LocalNodes nodes) {
        this.cluster = cluster;
        this.nodes = nodes;
    }

    /** One node's copy of a partition against the replay. */
    public record CopyVerdict(int node, Kind kind, String detail) {
        public enum Kind { MATCHES, DIFFERS, NO_COPY, NOT_COMPARABLE }
    }

    /** One partition: the replay's digest and, if verified, each running node's verdict. */
    public record PartitionResult(int partition, Digest digest, List<CopyVerdict> copies) {
        public long count(CopyVerdict.Kind kind) {
            return copies.stream().filter(c -> c.kind() == kind).count();
        }
    }

    /** The whole replay. */
    public record Result(List<PartitionResult> partitions, long events, Duration elapsed) {
        public long count(CopyVerdict.Kind kind) {
            return partitions.stream().mapToLong(p -> p.count(kind)).sum();
        }
    }

    /**
     * Replays every partition (or only {@code partition}); with {@code verify}, compares each
     * running node's copy. {@code progress} gets replay progress about once a second, {@code lines}
     * one line per partition and per compared copy.
     */
    public Result run(Integer partition, boolean verify, Consumer<String> progress, Consumer<String> lines)
            throws InterruptedException {
        Map<Integer, Long> ends = endOffsets(cluster);
        if (partition != null && !ends.containsKey(partition)) {
            throw new IllegalArgumentException("partition: must be 0-" + (ends.size() - 1) + ", got " + partition);
        }
        Replayer replayer = new Replayer(MaterializerConfig.DEFAULT_DEDUPE_WINDOW, Duration.ofSeconds(10));
        List<PartitionResult> results = new ArrayList<>();
        long totalEvents = 0;
        long start = System.nanoTime();
        for (int p : ends.keySet()) {
            if (partition != null && p != partition) {
                continue;
            }
            long[] lastReport = {0};
            Replayer.Replay replay = replayer.replay(cluster.bootstrapServers(), cluster.clientSecurity(), p, ends.size(), ends.get(p), report -> {
                long now = System.nanoTime();
                if (report.done() || now - lastReport[0] > 1_000_000_000L) {
                    progress.accept(String.format("partition %d: %d / %d events, %.0f events/s", report.partition(),
                            report.events(), report.endOffset(), report.eventsPerSecond()));
                    lastReport[0] = now;
                }
            });
            totalEvents += replay.events();
            Digest digest = replay.digest();
            lines.accept(String.format("partition %d: offset %d, %d keys, digest %s", p, digest.offset(),
                    digest.entries(), digest.sha256()));
            List<CopyVerdict> copies = verify ? compare(digest, lines) : List.of();
            results.add(new PartitionResult(p, digest, copies));
        }
        return new Result(results, totalEvents, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Compares the replay's digest with each running node's copy. */
    private List<CopyVerdict> compare(Digest replayed, Consumer<String> lines) throws InterruptedException {
        List<CopyVerdict> verdicts = new ArrayList<>();
        for (NodeState node : nodes.nodes()) {
            if (!nodes.isRunning(node.id())) {
                continue;
            }
            CopyVerdict verdict = compare(node, replayed);
            verdicts.add(verdict);
            if (verdict.kind() != CopyVerdict.Kind.NO_COPY) {
                lines.accept("  node " + node.id() + ": " + verdict.detail());
            }
        }
        return verdicts;
    }

    private CopyVerdict compare(NodeState node, Digest replayed) throws InterruptedException {
        String why = "no answer";
        for (int attempt = 0; attempt < DIGEST_ATTEMPTS; attempt++) {
            var reply = nodes.get(node.url() + "/v1/admin/digest?partition=" + replayed.partition());
            if (reply.isPresent() && reply.get().statusCode() == 404) {
                return new CopyVerdict(node.id(), CopyVerdict.Kind.NO_COPY, "no copy");
            }
            if (reply.isEmpty() || reply.get().statusCode() != 200) {
                why = "no digest (" + reply.map(r -> r.statusCode() + " " + r.body()).orElse("no answer") + ")";
                Thread.sleep(DIGEST_RETRY_MILLIS);
                continue;
            }
            JsonNode body;
            try {
                body = JSON.readTree(reply.get().body());
            } catch (IOException e) {
                return new CopyVerdict(node.id(), CopyVerdict.Kind.NOT_COMPARABLE,
                        "unreadable digest: " + e.getMessage() + " in " + reply.get().body());
            }
            long offset = body.path("offset").asLong(-2);
            if (offset != replayed.offset()) {
                why = "at offset " + offset + ", replay at " + replayed.offset();
                Thread.sleep(DIGEST_RETRY_MILLIS);
                continue;
            }
            String sha = body.path("sha256").asText();
            return replayed.sha256().equals(sha)
                    ? new CopyVerdict(node.id(), CopyVerdict.Kind.MATCHES, "matches")
                    : new CopyVerdict(node.id(), CopyVerdict.Kind.DIFFERS, "DIFFERS (" + sha + ")");
        }
        return new CopyVerdict(node.id(), CopyVerdict.Kind.NOT_COMPARABLE, "not comparable: " + why);
    }

    /** The end offset of every partition of kv.events. */
    public static Map<Integer, Long> endOffsets(LocalKafkaCluster local) throws InterruptedException {
        try (Admin admin = local.admin()) {
            int partitions = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(Topics.EVENTS).partitions().size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
            }
            Map<Integer, Long> ends = new TreeMap<>();
            admin.listOffsets(request).all().get(10, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            return ends;
        } catch (ExecutionException | TimeoutException e) {
            throw KvException.unreachable("cannot read the end offsets of " + Topics.EVENTS + ": " + e.getMessage());
        }
    }
}
