package io.kvlog.cli;

import io.kvlog.kafka.LocalKafkaCluster;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code kv down}: stops every process the cluster started; its data stays. */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stop every process of the local cluster (SIGTERM, then SIGKILL after 30 s).",
                "Data is kept: 'kv up' starts the same cluster again."})
final class DownCommand implements Callable<Integer> {

    @ParentCommand
    Kv kv;

    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() {
        LocalKafkaCluster local = cluster.openCluster();
        List<Integer> stopped = local.stopAll();
        List<Integer> alive = local.brokers().stream().filter(LocalKafkaCluster.BrokerStatus::running)
                .map(LocalKafkaCluster.BrokerStatus::id).toList();
        if (!alive.isEmpty()) {
            throw new KvException(ExitCode.FAILED, "brokers " + alive + " are still running");
        }
        kv.output().line(stopped.isEmpty() ? "nothing was running" : "stopped brokers " + stopped);
        return ExitCode.OK;
    }
}
