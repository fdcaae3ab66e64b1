package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.kafka.NodeState;
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

/** {@code kv node list|start|join|stop|kill|restart|rebuild}: the kvlog nodes of the local cluster. */
@Command(name = "node", mixinStandardHelpOptions = true,
        description = "Manage the kvlog nodes of the local cluster.",
        subcommands = {NodeCommand.ListNodes.class, NodeCommand.Start.class, NodeCommand.Join.class,
                NodeCommand.Stop.class, NodeCommand.Kill.class, NodeCommand.Restart.class, NodeCommand.Rebuild.class})
final class NodeCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParentCommand
    Kv kv;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: list, start, join, stop, kill, restart or rebuild");
    }

    /** Options shared by the node subcommands. */
    abstract static class NodeAction implements Callable<Integer> {
        @ParentCommand
        NodeCommand parent;

        @Mixin
        ClusterOptions cluster;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "180",
                description = "How long to wait for a node to be ready (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        Output out() {
            return parent.kv.output();
        }

        LocalNodes nodes() {
            return new LocalNodes(cluster.openCluster());
        }

        void startAndWait(LocalNodes nodes, int id) {
            long pid = nodes.start(id);
            out().progress("node " + id + " starting (pid " + pid + ", log " + nodes.logFile(id) + ")");
            nodes.awaitReady(List.of(id), Duration.ofSeconds(timeoutSeconds), out()::progress);
            out().line("node " + id + " ready at " + nodes.node(id).url());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List nodes: id, url, pid, state, partitions held as active/standby.")
    static final class ListNodes extends NodeAction {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            LocalNodes nodes = nodes();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LocalNodes.NodeStatus n : nodes.statuses()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", n.id());
                row.put("url", n.url());
                row.put("pid", n.running() ? n.pid() : null);
                row.put("state", n.ready() ? "ready" : n.running() ? "starting" : "stopped");
                List<Integer> active = new ArrayList<>();
                List<Integer> standby = new ArrayList<>();
                Long lag = null;
                if (n.running()) {
                    var described = nodes.get(n.url() + "/v1/node");
                    if (described.isPresent() && described.get().statusCode() == 200) {
                        try {
                            JsonNode body = JSON.readTree(described.get().body());
                            for (JsonNode c : body.path("copies")) {
                                ("active".equals(c.path("copy").asText()) ? active : standby).add(c.path("partition").asInt());
                            }
                            lag = body.has("lag") ? body.get("lag").asLong() : null;
                        } catch (java.io.IOException e) {
                            // a node answering garbage is shown without partitions
                        }
                    }
                }
                row.put("active", active);
                row.put("standby", standby);
                row.put("lag", lag);
                row.put("log", n.logFile().toString());
                rows.add(row);
            }
            if (json) {
                out().json(rows);
                return ExitCode.OK;
            }
            List<List<String>> table = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                table.add(List.of(r.get("id").toString(), r.get("url").toString(),
                        r.get("pid") == null ? "-" : r.get("pid").toString(), r.get("state").toString(),
                        r.get("active").toString(), r.get("standby").toString(),
                        r.get("lag") == null ? "-" : r.get("lag").toString()));
            }
            out().table(List.of("ID", "URL", "PID", "STATE", "ACTIVE", "STANDBY", "LAG"), table);
            return ExitCode.OK;
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a node and wait until it is ready.")
    static final class Start extends NodeAction {
        @Parameters(paramLabel = "ID", description = "Node id.")
        int id;

        @Override
        public Integer call() {
            LocalNodes nodes = nodes();
            nodes.node(id);
            startAndWait(nodes, id);
            return ExitCode.OK;
        }
    }

    @Command(name = "join", mixinStandardHelpOptions = true,
            description = "Add a node with the next free id to the running cluster and wait until it is ready.")
    static final class Join extends NodeAction {
        @Override
        public Integer call() {
            LocalNodes nodes = nodes();
            NodeState node = nodes.add(0);
            startAndWait(nodes, node.id());
            return ExitCode.OK;
        }
    }

    /** Stop and kill differ only in the signal: one body for both. */
    abstract static class Signal extends NodeAction {
        @Parameters(paramLabel = "ID", description = "Node id.")
        int id;

        /** Sends the signal; false if the node was not running. */
        abstract boolean send(LocalNodes nodes);

        abstract String done();

        @Override
        public Integer call() {
            boolean was = send(nodes());
            out().line("node " + id + (was ? " " + done() : " was not running"));
            return ExitCode.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stop a node cleanly (SIGTERM): requests in flight are answered, its copies fail over.")
    static final class Stop extends Signal {
        @Override
        boolean send(LocalNodes nodes) {
            return nodes.stop(id);
        }

        @Override
        String done() {
            return "stopped";
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Kill a node (SIGKILL), as a crash would.")
    static final class Kill extends Signal {
        @Override
        boolean send(LocalNodes nodes) {
            return nodes.kill(id);
        }

        @Override
        String done() {
            return "killed";
        }
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Stop a node cleanly and start it again; waits until it is ready.")
    static final class Restart extends NodeAction {
        @Parameters(paramLabel = "ID", description = "Node id.")
        int id;

        @Override
        public Integer call() {
            LocalNodes nodes = nodes();
            nodes.stop(id);
            startAndWait(nodes, id);
            return ExitCode.OK;
        }
    }

    @Command(name = "rebuild", mixinStandardHelpOptions = true,
            description = {"Stop a node, wipe its copies, start it, and wait until it has caught up with the log",
                    "(its copies are restored from the changelogs and the log)."})
    static final class Rebuild extends NodeAction {
        @Parameters(paramLabel = "ID", description = "Node id.")
        int id;

        @Override
        public Integer call() {
            LocalNodes nodes = nodes();
            long start = System.nanoTime();
            nodes.stop(id);
            nodes.wipeState(id);
            out().progress("node " + id + ": state wiped");
            startAndWait(nodes, id);
            awaitCaughtUp(nodes);
            out().line(String.format("node %d rebuilt in %.1f s", id, (System.nanoTime() - start) / 1e9));
            return ExitCode.OK;
        }

        private void awaitCaughtUp(LocalNodes nodes) {
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            String url = nodes.node(id).url() + "/v1/node";
            while (true) {
                var response = nodes.get(url);
                if (response.isPresent() && response.get().statusCode() == 200) {
                    try {
                        JsonNode body = JSON.readTree(response.get().body());
                        long lag = body.path("lag").asLong(-1);
                        int copies = body.path("copies").size();
                        if (lag == 0 && copies > 0) {
                            out().progress("node " + id + ": " + copies + " copies caught up");
                            return;
                        }
                        out().progress("node " + id + ": " + copies + " copies, " + lag + " events behind");
                    } catch (java.io.IOException e) {
                        out().progress("node " + id + ": unreadable status: " + e.getMessage());
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new KvException(ExitCode.FAILED, "node " + id + " did not catch up within " + timeoutSeconds
                            + " s; see " + nodes.logFile(id));
                }
                LocalNodes.sleep(1000);
            }
        }
    }
}
