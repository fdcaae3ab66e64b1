package io.kvlog.cli.bench;

import java.util.List;

/** What a scenario adds to the report: latency rows (beside the workloads') and scenario figures. */
public record ScenarioOutcome(List<WorkloadResult> results, List<ScenarioResult> scenarios) {

    public ScenarioOutcome {
        results = List.copyOf(results);
        scenarios = List.copyOf(scenarios);
    }
}
