package io.kvlog.cli.check;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Checks the histories a run saved ({@code history-N.json} with {@code final-values-N.json} in a
 * report directory) again, with the linearizability checker and the lost-write check: to look
 * into a failed run, or to check a run's histories with a newer checker. The scenarios' own live
 * checks (exactly-once counts, digests) are not repeated: they are in the run's report.
 */
public final class Recheck {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Recheck() {
    }

    /** Checks every saved history in {@code reportDir}; true if there was one and each passed both checks. */
    public static boolean run(Path reportDir, Duration timeoutPerKey, Consumer<String> out) throws IOException {
        List<Path> histories;
        try (Stream<Path> files = Files.list(reportDir)) {
            histories = files.filter(f -> f.getFileName().toString().matches("history-\\d+\\.json")).sorted().toList();
        }
        if (histories.isEmpty()) {
            throw new IllegalArgumentException("no history-N.json in " + reportDir + "; give a kv check report directory");
        }
        boolean passed = true;
        for (Path file : histories) {
            String n = file.getFileName().toString().replaceAll("\\D", "");
            History history = History.readJson(file);
            CheckResult lin = new LinearizabilityChecker(timeoutPerKey).check(history);
            out.accept(String.format("scenario %s: %d operations on %d keys; linearizability %s in %d ms", n,
                    history.size(), history.byKey().size(), lin.overall(), lin.elapsed().toMillis()));
            lin.anomalies().forEach(k -> out.accept("  " + k.verdict() + " " + k.key() + " (" + k.operations() + " ops): "
                    + k.explanation()));
            passed &= lin.overall() == Verdict.LINEARIZABLE;
            Path finals = file.resolveSibling("final-values-" + n + ".json");
            if (!Files.exists(finals)) {
                out.accept("  no " + finals.getFileName() + ": lost-write check not run (the run did not get that far)");
                passed = false;
                continue;
            }
            Map<String, String> values = new HashMap<>(JSON.readValue(finals.toFile(), new TypeReference<Map<String, String>>() { }));
            LostWriteResult lost = LostWriteCheck.check(history, values);
            out.accept("  lost writes: " + lost.lost().size() + " of " + lost.acknowledgedWrites() + " acked writes");
            lost.lost().forEach(l -> out.accept("  lost: " + l));
            passed &= lost.ok();
        }
        return passed;
    }
}
