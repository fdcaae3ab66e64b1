package io.kvlog.cli.check;

import io.kvlog.cli.LogReplay;

/**
 * Scenario 6: after the others, a full replay of kv.events with the materializer's apply code
 * ({@link LogReplay}, what {@code kv replay --verify} runs) reproduces the digest of every copy
 * of every partition. A copy that differs, or that cannot be compared at the replay's position,
 * is a finding; so is a partition with no matching copy.
 */
final class ReplayScenario implements Scenario {

    @Override
    public int number() {
        return 6;
    }

    @Override
    public String name() {
        return "replay";
    }

    @Override
    public void run(ScenarioContext ctx, ScenarioReport report) throws Exception {
        CheckCluster cluster = ctx.cluster();
        cluster.heal();
        LogReplay.Result result = new LogReplay(cluster.kafka(), cluster.nodes())
                .run(null, true, ctx.progress(), line -> ctx.progress().accept("  " + line));
        for (LogReplay.PartitionResult p : result.partitions()) {
            for (LogReplay.CopyVerdict copy : p.copies()) {
                if (copy.kind() == LogReplay.CopyVerdict.Kind.DIFFERS
                        || copy.kind() == LogReplay.CopyVerdict.Kind.NOT_COMPARABLE) {
                    report.finding("partition " + p.partition() + " node " + copy.node() + ": " + copy.detail()
                            + "; replay at offset " + p.digest().offset() + " digest " + p.digest().sha256());
                }
            }
            if (p.count(LogReplay.CopyVerdict.Kind.MATCHES) == 0) {
                report.finding("partition " + p.partition() + ": no copy matches the replay");
            }
        }
        report.note(String.format("replayed %d events of %d partitions in %.1f s; %d copies match, %d differ,"
                        + " %d not comparable", result.events(), result.partitions().size(),
                result.elapsed().toNanos() / 1e9, result.count(LogReplay.CopyVerdict.Kind.MATCHES),
                result.count(LogReplay.CopyVerdict.Kind.DIFFERS),
                result.count(LogReplay.CopyVerdict.Kind.NOT_COMPARABLE)));
    }
}
