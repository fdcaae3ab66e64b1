package io.kvlog.cli;

import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.LocalKafkaCluster.BrokerStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kv broker list|start|stop|kill}: one broker of the local cluster. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Manage the brokers of the local cluster.",
        subcommands = {BrokerCommand.ListBrokers.class, BrokerCommand.Start.class, BrokerCommand.Stop.class,
                BrokerCommand.Kill.class})
final class BrokerCommand implements Runnable {

    @ParentCommand
    Kv kv;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list, start, stop or kill");
    }

    static void requireBroker(LocalKafkaCluster local, int id) {
        if (local.state().broker(id).isEmpty()) {
            throw KvException.notFound("no broker " + id + "; brokers are "
                    + local.state().brokers().stream().map(b -> Integer.toString(b.id())).toList());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List brokers: id, address, pid, state.")
    static final class ListBrokers implements Callable<Integer> {
        @ParentCommand
        BrokerCommand parent;

        @Mixin
        ClusterOptions cluster;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            Output out = parent.kv.output();
            List<BrokerStatus> brokers = cluster.openCluster().brokers();
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (BrokerStatus b : brokers) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", b.id());
                    row.put("address", b.address());
                    row.put("pid", b.running() ? b.pid() : null);
                    row.put("state", b.running() ? "running" : "stopped");
                    row.put("log", b.logFile().toString());
                    rows.add(row);
                }
                out.json(rows);
            } else {
                List<List<String>> rows = new ArrayList<>();
                for (BrokerStatus b : brokers) {
                    rows.add(List.of(Integer.toString(b.id()), b.address(), b.running() ? Long.toString(b.pid()) : "-",
                            b.running() ? "running" : "stopped", b.logFile().toString()));
                }
                out.table(List.of("ID", "ADDRESS", "PID", "STATE", "LOG"), rows);
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a broker with its data and wait until it has rejoined.")
    static final class Start implements Callable<Integer> {
        @ParentCommand
        BrokerCommand parent;

        @Mixin
        ClusterOptions cluster;

        @Parameters(paramLabel = "ID", description = "Broker id.")
        int id;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
                description = "How long to wait for the broker (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Override
        public Integer call() {
            LocalKafkaCluster local = cluster.openCluster();
            requireBroker(local, id);
            try {
                local.startBroker(id, Duration.ofSeconds(timeoutSeconds), parent.kv.output()::progress);
            } catch (LocalKafkaCluster.BrokerException e) {
                throw new KvException(ExitCode.FAILED, e.getMessage(), e);
            }
            parent.kv.output().line("broker " + id + " running");
            return ExitCode.OK;
        }
    }

    /** Stop and kill differ only in the signal: one body for both. */
    abstract static class Signal implements Callable<Integer> {
        @ParentCommand
        BrokerCommand parent;

        @Mixin
        ClusterOptions cluster;

        @Parameters(paramLabel = "ID", description = "Broker id.")
        int id;

        /** Sends the signal; false if the broker was not running. */
        abstract boolean send(LocalKafkaCluster local);

        abstract String done();

        @Override
        public Integer call() {
            LocalKafkaCluster local = cluster.openCluster();
            requireBroker(local, id);
            boolean wasRunning = send(local);
            parent.kv.output().line("broker " + id + (wasRunning ? " " + done() : " was not running"));
            return ExitCode.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a broker cleanly (SIGTERM).")
    static final class Stop extends Signal {
        @Override
        boolean send(LocalKafkaCluster local) {
            return local.stopBroker(id);
        }

        @Override
        String done() {
            return "stopped";
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill a broker (SIGKILL), as a crash would.")
    static final class Kill extends Signal {
        @Override
        boolean send(LocalKafkaCluster local) {
            return local.killBroker(id);
        }

        @Override
        String done() {
            return "killed";
        }
    }
}
