package io.kvlog.cli;

import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.kafka.NodeState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
            description = {"List nodes: id, url, pid, process state, ready, events applied by its copy, lag behind the log.",
                    "A node that does not answer GET /v1/node shows '-' for what it would say."})
    static final class ListNodes extends NodeAction {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            LocalNodes nodes = nodes();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LocalNodes.NodeStatus n : nodes.statuses()) {
                rows.add(row(n, n.running() ? describe(nodes, n.url()) : null));
            }
            if (json) {
                out().json(rows);
                return ExitCode.OK;
            }
            List<List<String>> table = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                table.add(List.of(r.get("id").toString(), r.get("url").toString(), orDash(r.get("pid")),
                        r.get("state").toString(), (Boolean) r.get("ready") ? "yes" : "no",
                        r.get("appliedEvents") == null ? "-" : grouped((Long) r.get("appliedEvents")), orDash(r.get("lag"))));
            }
            out().table(List.of("ID", "URL", "PID", "STATE", "READY", "APPLIED", "LAG"), table);
            return ExitCode.OK;
        }
    }

    /**
     * One row of {@code kv node list}: the process as the local cluster knows it, and, if the node
     * answered, the events its copy applied and its lag ({@code described} null: both null).
     */
    static Map<String, Object> row(LocalNodes.NodeStatus n, NodeDescription described) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", n.id());
        row.put("url", n.url());
        row.put("pid", n.running() ? n.pid() : null);
        row.put("state", n.running() ? "running" : "stopped");
        row.put("ready", n.ready());
        row.put("appliedEvents", described == null ? null : described.appliedEvents());
        row.put("lag", described == null ? null : described.lag());
        row.put("log", n.logFile().toString());
        return row;
    }

    /** What the node at {@code url} says of itself; null if it does not answer or not with a description. */
    private static NodeDescription describe(LocalNodes nodes, String url) {
        var reply = nodes.get(url + "/v1/node");
        if (reply.isEmpty() || reply.get().statusCode() != 200) {
            return null;
        }
        try {
            return NodeDescription.parse(reply.get().body());
        } catch (IllegalArgumentException e) {
            return null; // shown as a node that says nothing: '-' for applied and lag
        }
    }

    private static String orDash(Object value) {
        return value == null ? "-" : value.toString();
    }

    /** 1234567 as "1,234,567", whatever the locale. */
    static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
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
            description = {"Stop a node cleanly (SIGTERM): requests in flight are answered; every other node keeps",
                    "serving every read and write, and clients retry on them."})
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
            description = {"Stop a node, wipe its copy, start it, and wait until it is ready: it replays the log",
                    "from the beginning (progress and events/s shown every second)."})
    static final class Rebuild extends NodeAction {
        @Parameters(paramLabel = "ID", description = "Node id.")
        int id;

        @Override
        public Integer call() {
            LocalNodes nodes = nodes();
            nodes.stop(id);
            nodes.wipeState(id);
            out().progress("node " + id + ": copy wiped");
            long start = System.nanoTime();
            long pid = nodes.start(id);
            out().progress("node " + id + " replaying the log (pid " + pid + ", log " + nodes.logFile(id) + ")");
            long events = awaitReplayed(nodes);
            out().line(rebuilt(id, events, (System.nanoTime() - start) / 1e9));
            return ExitCode.OK;
        }

        /**
         * Polls GET /v1/node about every second, showing the replay, until the node is ready; returns
         * the events it replayed (or, from a node that does not say, the events its copy applied).
         */
        private long awaitReplayed(LocalNodes nodes) {
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            String url = nodes.node(id).url();
            while (true) {
                if (!nodes.isRunning(id)) {
                    throw new KvException(ExitCode.FAILED, "node " + id + " exited while replaying; see its log "
                            + nodes.logFile(id) + io.kvlog.kafka.internal.JavaProcess.tail(nodes.logFile(id)));
                }
                boolean ready = nodes.isReady(id);
                // described after the readiness check, so the figures of a ready node are its final ones
                NodeDescription described = describe(nodes, url);
                NodeDescription.Restore restore = described == null ? null : described.restore();
                if (ready) {
                    return restore != null ? restore.events() : described != null ? described.appliedEvents() : 0;
                }
                if (restore != null) {
                    out().progress(replayProgress(id, restore));
                }
                if (System.nanoTime() > deadline) {
                    throw new KvException(ExitCode.FAILED, "node " + id + " not ready after " + timeoutSeconds
                            + " s; see its log " + nodes.logFile(id) + io.kvlog.kafka.internal.JavaProcess.tail(nodes.logFile(id)));
                }
                LocalNodes.sleep(1000);
            }
        }
    }

    /** "node 2: replayed 123,456 events (98,000 events/s), 10,000 to go". */
    static String replayProgress(int id, NodeDescription.Restore restore) {
        return "node " + id + ": replayed " + grouped(restore.events()) + " events ("
                + grouped(Math.round(restore.eventsPerSecond())) + " events/s), "
                + (restore.done() ? "caught up" : grouped(restore.remaining()) + " to go");
    }

    /**
     * "node 2: rebuilt from the log: 123,456 events in 2.5 s (49,382 events/s)": {@code seconds} from
     * the start of the node's process until it is ready (JVM start included), the rate over those.
     */
    static String rebuilt(int id, long events, double seconds) {
        return String.format(Locale.ROOT, "node %d: rebuilt from the log: %s events in %.1f s (%s events/s)", id,
                grouped(events), seconds, grouped(seconds > 0 ? Math.round(events / seconds) : 0));
    }
}
