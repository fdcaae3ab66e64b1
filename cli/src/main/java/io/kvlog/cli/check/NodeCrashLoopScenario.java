package io.kvlog.cli.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Scenario 2: a random node is SIGKILLed and restarted a second later, again and again, while
 * three clients write and read keys of their own. Each client checks every read against its last
 * acknowledged write of the key (or a write of it whose outcome it does not know); then the
 * history goes through both checkers.
 */
final class NodeCrashLoopScenario extends HistoryScenario {

    @Override
    public int number() {
        return 2;
    }

    @Override
    public String name() {
        return "node crash loop";
    }

    @Override
    public void run(ScenarioContext ctx, ScenarioReport report) throws Exception {
        CheckSettings settings = ctx.settings();
        Duration load = settings.pick(Duration.ofSeconds(20), Duration.ofSeconds(60));
        History history = new History();
        report.history(history);
        FaultLog faults = new FaultLog(ctx.progress());
        report.faults(faults);
        long clientSeed = ctx.random().nextLong();
        List<String> keys = new ArrayList<>();
        for (int p = 1; p <= 3; p++) {
            for (int k = 0; k < 3; k++) {
                keys.add(key(p, k));
            }
        }
        int[] checkedReads = new int[1];
        int steps;
        long start = System.nanoTime();
        long end = start + load.toNanos();
        try (ProcessKiller killer = ProcessKiller.start(ctx.cluster(), ProcessKiller.Target.NODE, ctx.random(),
                Duration.ofSeconds(2), Duration.ofSeconds(1), faults)) {
            steps = runClients(history, ctx.cluster().nodeUrls(), 3,
                    () -> System.nanoTime() >= end && killer.idle(), ownKeys(clientSeed, report, checkedReads));
        }
        report.note(String.format("%d client steps in %.1f s; ", steps, (System.nanoTime() - start) / 1e9) + checkedReads[0]
                + " reads checked against the client's own last acked write");
        ctx.progress().accept("  waiting for every node to be ready again");
        ctx.cluster().heal();
        checkHistory(ctx, history, finalValues(ctx, history, keys, report), report);
        report.note(outcomes(history));
    }

    private static String key(int process, int k) {
        return "s2-p" + process + "-k" + k;
    }

    private static ClientStep ownKeys(long seed, ScenarioReport report, int[] checkedReads) {
        return new ClientStep() {
            private final ThreadLocal<ClientState> state = new ThreadLocal<>();

            @Override
            public void step(RecordingClient client, int step) {
                if (state.get() == null) {
                    state.set(new ClientState(new Random(seed + client.process())));
                }
                ClientState s = state.get();
                String key = key(client.process(), s.random.nextInt(3));
                if (s.random.nextBoolean()) {
                    String value = "p" + client.process() + "-" + step;
                    RecordingClient.Result put = client.perform(OpKind.PUT, key, value, Map.of(), 3, Duration.ofMillis(200));
                    if (put.outcome() == OpOutcome.OK) {
                        s.lastAcked.put(key, value);
                    } else if (put.outcome() == OpOutcome.UNKNOWN) {
                        s.unknown.computeIfAbsent(key, k -> new HashSet<>()).add(value);
                    }
                    return;
                }
                RecordingClient.Result get = client.once(OpKind.GET, key, null, Map.of());
                if (!get.ok()) {
                    return;
                }
                synchronized (checkedReads) {
                    checkedReads[0]++;
                }
                String acked = s.lastAcked.get(key);
                Set<String> unknown = s.unknown.getOrDefault(key, Set.of());
                boolean fine = java.util.Objects.equals(get.value(), acked) || unknown.contains(get.value());
                if (!fine) {
                    report.finding("process " + client.process() + " read " + key + " = " + get.value()
                            + " but its last acked write was " + acked + " (writes with unknown outcome: " + unknown
                            + "); " + get.detail());
                }
            }
        };
    }

    private static final class ClientState {
        final Random random;
        final Map<String, String> lastAcked = new HashMap<>();
        final Map<String, Set<String>> unknown = new HashMap<>();

        ClientState(Random random) {
            this.random = random;
        }
    }
}
