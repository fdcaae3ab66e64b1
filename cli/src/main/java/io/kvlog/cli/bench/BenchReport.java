package io.kvlog.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one {@code kv bench} run measured, as written to {@code report.json}: the settings,
 * the machine, each workload's result per system, the scenario figures, the ratios of kvlog
 * to each baseline per workload, and the stages that failed (with why) when the run went on without them.
 */
public record BenchReport(String started, String command, Map<String, Object> machine, LoadSettings settings,
                          List<WorkloadResult> results, List<ScenarioResult> scenarios, List<Ratio> ratios,
                          List<String> problems) {

    /** kvlog's figure over a baseline's for one workload (> 1: kvlog is faster). */
    public record Ratio(String workload, String baseline, double kvlog, double other, String unit, double ratio) {
    }

    public BenchReport {
        results = List.copyOf(results);
        scenarios = List.copyOf(scenarios);
        ratios = List.copyOf(ratios);
        problems = List.copyOf(problems);
    }

    public static BenchReport of(String started, String command, Map<String, Object> machine, LoadSettings settings,
                                 List<WorkloadResult> results, List<ScenarioResult> scenarios, List<String> problems) {
        return new BenchReport(started, command, machine, settings, results, scenarios, ratios(results, scenarios),
                problems);
    }

    /**
     * Per kvlog workload: against the same workload on etcd, and (for write-only workloads)
     * against the raw producer; replay, and a watch's catch-up (the log events it read per
     * second), against the raw consumer of the same topic. Watch delivery runs are paced at one
     * rate on every system: their ops/s are not compared, their latencies are in the table.
     */
    static List<Ratio> ratios(List<WorkloadResult> results, List<ScenarioResult> scenarios) {
        List<Ratio> ratios = new ArrayList<>();
        for (WorkloadResult kvlog : results) {
            if (!kvlog.system().equals("kvlog") || kvlog.workload().startsWith("watch-")) {
                continue;
            }
            for (WorkloadResult other : results) {
                boolean sameWorkload = other.workload().equals(kvlog.workload()) && !other.system().equals("kvlog");
                boolean producerCeiling = other.system().equals("kafka-producer") && kvlog.workload().startsWith("write");
                if ((sameWorkload && !other.system().equals("kafka-producer")) || producerCeiling) {
                    ratios.add(new Ratio(kvlog.workload(), other.system(), kvlog.opsPerSecond(), other.opsPerSecond(),
                            "ops/s", divide(kvlog.opsPerSecond(), other.opsPerSecond())));
                }
            }
        }
        Optional<ScenarioResult> replay = find(scenarios, "replay");
        Optional<ScenarioResult> consume = find(scenarios, "kafka-consume-events");
        if (replay.isPresent() && consume.isPresent()) {
            ratios.add(new Ratio("replay", "kafka-consumer", replay.get().value(), consume.get().value(), "events/s",
                    divide(replay.get().value(), consume.get().value())));
        }
        Optional<ScenarioResult> catchUp = find(scenarios, "watch-catch-up");
        Optional<ScenarioResult> catchUpConsume = find(scenarios, "kafka-consume-catch-up");
        if (catchUp.isPresent() && catchUpConsume.isPresent()
                && catchUp.get().details().get("logEventsPerSecond") instanceof Number read) {
            ratios.add(new Ratio("watch-catch-up", "kafka-consumer", read.doubleValue(), catchUpConsume.get().value(),
                    "log events/s", divide(read.doubleValue(), catchUpConsume.get().value())));
        }
        return ratios;
    }

    private static Optional<ScenarioResult> find(List<ScenarioResult> scenarios, String name) {
        return scenarios.stream().filter(s -> s.scenario().equals(name)).findFirst();
    }

    private static double divide(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }
}
