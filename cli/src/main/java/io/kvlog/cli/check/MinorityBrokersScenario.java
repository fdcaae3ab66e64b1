package io.kvlog.cli.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario 4: with 2 of 3 brokers SIGKILLed, writes (puts and appends) must answer within the
 * deadline without being acknowledged. After the brokers are back, each of those writes is retried
 * with its id until acked: every put's key then holds its value, and the list key every appended
 * element exactly once (a write that failed while the log was short of replicas and was applied
 * later is not applied again by its retry).
 */
final class MinorityBrokersScenario extends HistoryScenario {

    private static final String LIST = "s4-list";
    /** A generous bound on a reply when the server's deadline is 1 s (a loaded machine is slow). */
    private static final Duration REPLY_BOUND = Duration.ofSeconds(10);

    @Override
    public int number() {
        return 4;
    }

    @Override
    public String name() {
        return "minority brokers";
    }

    @Override
    public void run(ScenarioContext ctx, ScenarioReport report) throws Exception {
        int puts = ctx.settings().pick(6, 30);
        int appends = ctx.settings().pick(4, 20);
        History history = new History();
        report.history(history);
        FaultLog faults = new FaultLog(ctx.progress());
        report.faults(faults);
        CheckCluster cluster = ctx.cluster();
        RecordingClient client = new RecordingClient(1, cluster.nodeUrls(), history, REPLY_BOUND);

        // Given every key written once while all brokers are up
        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < puts; i++) {
            String key = "s4-k" + i;
            RecordingClient.Result put = client.perform(OpKind.PUT, key, "before-" + i, Map.of("wait", "applied"), 30,
                    Duration.ofMillis(500));
            if (!put.ok()) {
                throw new IllegalStateException("cannot write " + key + " with every broker up: " + put.detail());
            }
        }

        // When 2 of the 3 brokers are killed
        List<Integer> brokers = new ArrayList<>(cluster.brokerIds());
        Collections.shuffle(brokers, ctx.random());
        List<Integer> down = brokers.subList(0, 2);
        for (int id : down) {
            long pid = cluster.killBroker(id);
            faults.record("SIGKILL broker " + id + " (pid " + pid + ")");
        }
        // Then writes answer, and none is acked
        List<RecordingClient.Pending> pending = new ArrayList<>();
        List<Long> latencies = new ArrayList<>();
        Map<Integer, Integer> statuses = new HashMap<>();
        for (int i = 0; i < puts + appends; i++) {
            boolean put = i < puts;
            String key = put ? "s4-k" + i : LIST;
            String value = put ? "during-" + i : AppendedElements.wrap("e" + i);
            if (put) {
                expected.put(key, value);
            }
            RecordingClient.Pending op = client.begin(put ? OpKind.PUT : OpKind.APPEND, key, value,
                    Map.of("id", "s4-" + ctx.settings().seed() + "-" + i));
            long start = System.nanoTime();
            RecordingClient.AttemptOutcome outcome = client.attempt(op);
            long millis = (System.nanoTime() - start) / 1_000_000;
            latencies.add(millis);
            statuses.merge(op.lastStatus(), 1, Integer::sum);
            if (outcome == RecordingClient.AttemptOutcome.OK) {
                report.finding("write " + op.id() + " to " + key + " was acked with 2 of 3 brokers down: " + op.lastDetail());
            } else if (op.lastStatus() == 0) {
                report.finding("write " + op.id() + " to " + key + " got no reply within " + REPLY_BOUND.toSeconds()
                        + " s (the deadline is 1 s): " + op.lastDetail());
            }
            pending.add(op);
        }
        Collections.sort(latencies);
        report.note("with 2 brokers down: " + latencies.size() + " writes answered " + statuses
                + " (status: count; 0 = no reply) in " + latencies.get(latencies.size() / 2) + " ms median, "
                + latencies.get(latencies.size() - 1) + " ms max");

        // When the brokers are back
        faults.record("restarting brokers " + down + " (together)");
        cluster.heal();
        faults.record("brokers " + down + " rejoined, every node ready");

        // Then each failed write, retried with its id, is acked and applied once
        int retries = 0;
        for (RecordingClient.Pending op : pending) {
            if (op.lastAttempt() == RecordingClient.AttemptOutcome.OK) {
                client.finish(op);
                continue;
            }
            for (int attempt = 0; attempt < 60; attempt++) {
                retries++;
                RecordingClient.AttemptOutcome outcome = client.attempt(op);
                if (outcome == RecordingClient.AttemptOutcome.OK || outcome == RecordingClient.AttemptOutcome.DEFINITE_FAIL) {
                    break;
                }
                RecordingClient.sleep(Duration.ofMillis(500));
            }
            RecordingClient.Result result = client.finish(op);
            if (!result.ok()) {
                report.finding("retry of " + op.id() + " after recovery did not succeed: " + result.detail());
            }
        }
        report.note(retries + " retries by id after recovery");
        List<String> keys = new ArrayList<>(expected.keySet());
        keys.add(LIST);
        Map<String, String> finals = finalValues(ctx, history, keys, report);
        expected.forEach((key, value) -> {
            if (finals.containsKey(key) && !value.equals(finals.get(key))) {
                report.finding(key + " = " + finals.get(key) + " after recovery, expected " + value);
            }
        });
        String list = finals.get(LIST);
        List<String> elements = AppendedElements.parse(list);
        for (int i = puts; i < puts + appends; i++) {
            String element = "e" + i;
            long times = elements.stream().filter(element::equals).count();
            if (times != 1) {
                report.finding(LIST + " holds " + element + " " + times + " times, expected once: " + list);
            }
        }
        checkHistory(ctx, history, finals, report);
        report.note(outcomes(history));
    }
}
