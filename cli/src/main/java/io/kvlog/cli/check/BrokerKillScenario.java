package io.kvlog.cli.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Scenario 1: three clients put, delete, append and read (linearizably) a few shared keys while
 * a random broker is SIGKILLed and restarted every few seconds. After healing, the history must be
 * linearizable and no acknowledged write lost.
 */
final class BrokerKillScenario extends HistoryScenario {

    @Override
    public int number() {
        return 1;
    }

    @Override
    public String name() {
        return "broker kill";
    }

    @Override
    public void run(ScenarioContext ctx, ScenarioReport report) throws Exception {
        CheckSettings settings = ctx.settings();
        Duration load = settings.pick(Duration.ofSeconds(20), Duration.ofSeconds(90));
        int keyCount = settings.pick(8, 16);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < keyCount; i++) {
            keys.add("s1-k" + i);
        }
        History history = new History();
        report.history(history);
        FaultLog faults = new FaultLog(ctx.progress());
        report.faults(faults);
        long clientSeed = ctx.random().nextLong();
        int steps;
        long start = System.nanoTime();
        long end = start + load.toNanos();
        int minKills = settings.pick(1, 3);
        try (ProcessKiller killer = ProcessKiller.start(ctx.cluster(), ProcessKiller.Target.BROKER, ctx.random(),
                Duration.ofSeconds(4), Duration.ofSeconds(2), faults)) {
            // the load goes on while a killed broker comes back (slow on a loaded machine), and ends with every broker up
            steps = runClients(history, ctx.cluster().nodeUrls(), 3,
                    () -> System.nanoTime() >= end && killer.settledAfter(minKills), mixedLoad(keys, clientSeed));
        }
        report.note(String.format("%d client steps in %.1f s on %d keys", steps, (System.nanoTime() - start) / 1e9,
                keyCount));
        ctx.cluster().heal();
        checkHistory(ctx, history, finalValues(ctx, history, keys, report), report);
        report.note(outcomes(history));
    }

    /**
     * Random puts (40%), deletes (5%), appends (15%) and linearizable reads (40%) of {@code keys};
     * each value is unique (process and step), each write retried up to 3 times with its id.
     */
    static ClientStep mixedLoad(List<String> keys, long seed) {
        return new ClientStep() {
            private final ThreadLocal<Random> random = new ThreadLocal<>();

            @Override
            public void step(RecordingClient client, int step) {
                if (random.get() == null) {
                    random.set(new Random(seed + client.process()));
                }
                Random r = random.get();
                String key = keys.get(r.nextInt(keys.size()));
                String unique = "p" + client.process() + "-" + step;
                int draw = r.nextInt(100);
                Duration pause = Duration.ofMillis(200);
                if (draw < 40) {
                    client.perform(OpKind.PUT, key, unique, Map.of(), 3, pause);
                } else if (draw < 45) {
                    client.perform(OpKind.DELETE, key, null, Map.of(), 3, pause);
                } else if (draw < 60) {
                    client.perform(OpKind.APPEND, key, AppendedElements.wrap(unique), Map.of(), 3, pause);
                } else {
                    client.once(OpKind.GET, key, null, Map.of());
                }
            }
        };
    }
}
