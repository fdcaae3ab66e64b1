package io.kvlog.cli.bench;

import java.util.Map;

/**
 * One figure of a scenario benchmark (a replay rate, a failover time), with the details that
 * explain it.
 *
 * @param scenario e.g. {@code replay}, {@code kafka-consume}, {@code failover-node-kill}
 * @param metric   what the value is, e.g. {@code events/s} or {@code s}
 * @param value    the figure; NaN if it could not be measured (see {@code details})
 * @param details  inputs and intermediate figures (events, seconds, partitions, node ...)
 */
public record ScenarioResult(String scenario, String metric, double value, Map<String, Object> details) {

    public ScenarioResult {
        details = Map.copyOf(details);
    }
}
