package io.kvlog.cli;

import io.kvlog.kafka.LocalKafkaCluster;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kv replay}: re-derives each partition's state from kv.events offset 0 with the same
 * apply code as the materializer, and with {@code --verify} compares its digest with every live
 * copy's (see {@link LogReplay}).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Re-derive state from the log with the materializer's apply code; with --verify,",
                "compare each partition's digest with every live copy's. Exit 1 if any differs."})
final class ReplayCommand implements Callable<Integer> {

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
        LogReplay.Result result = new LogReplay(local, new LocalNodes(local)).run(partition, verify, out::progress, out::line);
        double seconds = result.elapsed().toNanos() / 1e9;
        out.line(String.format("replayed %d events in %.1f s (%.0f events/s)", result.events(), seconds,
                result.events() / seconds));
        long mismatches = result.count(LogReplay.CopyVerdict.Kind.DIFFERS);
        if (verify) {
            out.line(mismatches == 0 ? "every live copy matches the replay" : mismatches + " copies differ from the replay");
        }
        return mismatches == 0 ? ExitCode.OK : ExitCode.FAILED;
    }
}
