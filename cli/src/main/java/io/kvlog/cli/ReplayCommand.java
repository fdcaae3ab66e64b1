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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kv replay}: re-derives each partition's state from kv.events offset 0 with the same
 * apply code as the materializer, and with {@code --verify} compares its digest with every live
 * copy's. Copies are compared at the replay's offset; a copy still applying newer events is
 * asked again for a few seconds, then reported as not comparable.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Re-derive state from the log with the materializer's apply code; with --verify,",
                "compare each partition's digest with every live copy's. Exit 1 if any differs."})
final class ReplayCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    Kv kv;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--partition", paramLabel = "P", description = "Only this partition (default: all).")
    Integer partition;

    @Option(names = "--verify", description = "Compare with the live copies' digests.")
    boolean verify;

    @Override
    public Integer call() throws InterruptedException {
        Output out = kv.output();
        LocalKafkaCluster local = cluster.openCluster();
        Map<Integer, Long> ends = endOffsets(local);
        if (partition != null && !ends.containsKey(partition)) {
            throw new IllegalArgumentException("partition: must be 0-" + (ends.size() - 1) + ", got " + partition);
        }
        LocalNodes nodes = new LocalNodes(local);
        Replayer replayer = new Replayer(MaterializerConfig.DEFAULT_DEDUPE_WINDOW, Duration.ofSeconds(10));
        int mismatches = 0;
        long totalEvents = 0;
        long start = System.nanoTime();
        for (int p : ends.keySet()) {
            if (partition != null && p != partition) {
                continue;
            }
            long[] lastReport = {0};
            Replayer.Replay replay = replayer.replay(local.bootstrapServers(), p, ends.get(p), report -> {
                long now = System.nanoTime();
                if (report.done() || now - lastReport[0] > 1_000_000_000L) {
                    out.progress(String.format("partition %d: %d / %d events, %.0f events/s", report.partition(),
                            report.events(), report.endOffset(), report.eventsPerSecond()));
                    lastReport[0] = now;
                }
            });
            totalEvents += replay.events();
            Digest digest = replay.digest();
            out.line(String.format("partition %d: offset %d, %d keys, digest %s", p, digest.offset(), digest.entries(),
                    digest.sha256()));
            if (verify) {
                mismatches += compare(nodes, digest, out);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        out.line(String.format("replayed %d events in %.1f s (%.0f events/s)", totalEvents, seconds, totalEvents / seconds));
        if (verify) {
            out.line(mismatches == 0 ? "every live copy matches the replay" : mismatches + " copies differ from the replay");
        }
        return mismatches == 0 ? ExitCode.OK : ExitCode.FAILED;
    }

    /** Compares the replay's digest with each ready node's copy; returns the number that differ. */
    private int compare(LocalNodes nodes, Digest replayed, Output out) throws InterruptedException {
        int differ = 0;
        for (NodeState node : nodes.nodes()) {
            if (!nodes.isRunning(node.id())) {
                continue;
            }
            String verdict = "not comparable";
            for (int attempt = 0; attempt < 20; attempt++) {
                var reply = nodes.get(node.url() + "/v1/admin/digest?partition=" + replayed.partition());
                if (reply.isEmpty() || reply.get().statusCode() != 200) {
                    verdict = "no digest (" + reply.map(r -> r.statusCode() + " " + r.body()).orElse("no answer") + ")";
                    Thread.sleep(250);
                    continue;
                }
                JsonNode body;
                try {
                    body = JSON.readTree(reply.get().body());
                } catch (IOException e) {
                    verdict = "unreadable digest";
                    break;
                }
                long offset = body.path("offset").asLong(-2);
                if (offset != replayed.offset()) {
                    verdict = "at offset " + offset + ", replay at " + replayed.offset();
                    Thread.sleep(250);
                    continue;
                }
                boolean same = replayed.sha256().equals(body.path("sha256").asText());
                verdict = same ? "matches" : "DIFFERS (" + body.path("sha256").asText() + ")";
                if (!same) {
                    differ++;
                }
                break;
            }
            out.line("  node " + node.id() + ": " + verdict);
        }
        return differ;
    }

    private static Map<Integer, Long> endOffsets(LocalKafkaCluster local) throws InterruptedException {
        try (Admin admin = local.admin()) {
            int partitions = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(Topics.EVENTS).partitions().size();
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(Topics.EVENTS, p));
            }
            Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
            tps.forEach(tp -> request.put(tp, OffsetSpec.latest()));
            Map<Integer, Long> ends = new java.util.TreeMap<>();
            admin.listOffsets(request).all().get(10, TimeUnit.SECONDS)
                    .forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            return ends;
        } catch (ExecutionException | TimeoutException e) {
            throw KvException.unreachable("cannot read the end offsets of " + Topics.EVENTS + ": " + e.getMessage());
        }
    }
}
