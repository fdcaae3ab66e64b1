package io.kvlog.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kv tls init}: a CA and the certificates of nodes and a client, for HTTPS and mutual TLS. */
@Command(name = "tls", mixinStandardHelpOptions = true,
        description = "Make TLS certificates for nodes and clients.", subcommands = TlsCommand.Init.class)
final class TlsCommand implements Runnable {

    @ParentCommand
    Kv kv;

    @Override
    public void run() {
        throw new IllegalArgumentException("missing subcommand: init");
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Make a CA (ca.pem, ca.key), a node certificate (node.pem, node.key) for --host names,",
                    "and a client certificate (client.pem, client.key), all signed by the CA, PEM, keys mode 600.",
                    "Nodes: --tls-cert node.pem --tls-key node.key [--tls-client-ca ca.pem --cacert ca.pem];",
                    "clients: --cacert ca.pem [--client-cert client.pem --client-key client.key]."})
    static final class Init implements Callable<Integer> {
        @ParentCommand
        TlsCommand parent;

        @Option(names = "--dir", paramLabel = "DIR", required = true, description = "Where to write the files (must not hold a ca.pem).")
        Path dir;

        @Option(names = "--host", paramLabel = "NAME", defaultValue = "127.0.0.1,localhost", split = ",",
                description = "The nodes' addresses and DNS names their certificate names (default: ${DEFAULT-VALUE}).")
        List<String> hosts;

        @Option(names = "--days", paramLabel = "N", defaultValue = "365",
                description = "How long the certificates are valid (default: ${DEFAULT-VALUE} days).")
        int days;

        @Override
        public Integer call() {
            if (days < 1) {
                throw new IllegalArgumentException("days: must be >= 1, got " + days);
            }
            if (Files.exists(dir.resolve("ca.pem"))) {
                throw new KvException(ExitCode.FAILED, dir.resolve("ca.pem") + " exists already; give another --dir");
            }
            Duration validity = Duration.ofDays(days);
            Certificates.Issued ca = Certificates.authority(dir, "ca", validity.plusDays(1));
            Certificates.Issued node = Certificates.issue(dir, "node", ca, hosts, validity);
            Certificates.Issued client = Certificates.issue(dir, "client", ca, List.of(), validity);
            Output out = parent.kv.output();
            out.line("wrote " + ca.cert() + ", " + node.cert() + " (for " + String.join(", ", hosts) + "), "
                    + client.cert() + " and their keys");
            out.line("node:   --tls-cert " + node.cert() + " --tls-key " + node.key() + " [--tls-client-ca " + ca.cert()
                    + " --cacert " + ca.cert() + "]");
            out.line("client: --cacert " + ca.cert() + " [--client-cert " + client.cert() + " --client-key " + client.key() + "]");
            return ExitCode.OK;
        }
    }
}
