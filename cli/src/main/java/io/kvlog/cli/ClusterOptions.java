package io.kvlog.cli;

import io.kvlog.kafka.LocalKafkaCluster;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data} option every cluster command takes. */
public final class ClusterOptions {

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:KV_DATA:-./data}",
            description = "Data directory of the local cluster (env KV_DATA, default ./data).")
    Path dataDir;

    public Path dataDir() {
        return dataDir.toAbsolutePath().normalize();
    }

    /** The local cluster in the data directory; exit code 3 if there is none. */
    public LocalKafkaCluster openCluster() {
        if (!LocalKafkaCluster.exists(dataDir())) {
            throw KvException.unreachable("no cluster in " + dataDir() + "; start one with 'kv up'"
                    + " (or pass --data / set KV_DATA)");
        }
        return LocalKafkaCluster.open(dataDir());
    }
}
