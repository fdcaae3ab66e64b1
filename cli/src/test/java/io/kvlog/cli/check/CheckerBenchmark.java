package io.kvlog.cli.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Prints how long the linearizability check takes on simulated histories of one key: linearizable ones, and the
 * same with one stale read (which makes the search exhaust every alternative before it says no). Not a test: run
 * it by hand, e.g. {@code java -cp cli/target/classes:cli/target/test-classes:$(cat cli/target/classpath.txt)
 * io.kvlog.cli.check.CheckerBenchmark [runs [budget-seconds [processes,...]]]}. Figures depend on the machine and its load.
 */
public final class CheckerBenchmark {

    private CheckerBenchmark() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Duration budget = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 30);
        System.out.printf(Locale.ROOT, "%-9s %-6s %-8s %-10s %-8s %10s %10s %12s %10s%n", "processes", "ops", "unknown",
                "history", "verdict", "median ms", "max ms", "steps", "configs");
        int[] processCounts = args.length > 2
                ? java.util.Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {3, 5, 16};
        for (int processes : processCounts) {
            for (int ops : new int[] {1_000, 3_000, 10_000}) {
                for (double unknownRate : new double[] {0.0, 0.02, 0.10}) {
                    measure(processes, ops, unknownRate, false, runs, budget);
                    measure(processes, ops, unknownRate, true, runs, budget);
                }
            }
        }
    }

    private static void measure(int processes, int ops, double unknownRate, boolean staleRead, int runs, Duration budget) {
        SimulatedRegister.Shape shape = new SimulatedRegister.Shape(processes, 1, ops / processes, unknownRate, 20);
        List<Double> millis = new ArrayList<>();
        long steps = 0;
        int configs = 0;
        Verdict verdict = null;
        Random random = new Random(1);
        for (int run = 0; run < runs; run++) {
            List<HistoryEntry> history = SimulatedRegister.generate(shape, 1000 + run);
            if (staleRead) {
                history = SimulatedRegister.withStaleRead(history, random);
            }
            long origin = history.get(0).callNanos();
            long started = System.nanoTime();
            RegisterSearch.Outcome outcome = new RegisterSearch(history, null, origin, started + budget.toNanos()).run();
            millis.add((System.nanoTime() - started) / 1e6);
            steps = Math.max(steps, outcome.steps());
            configs = Math.max(configs, outcome.configurations());
            if (verdict == null || outcome.verdict() != Verdict.NOT_LINEARIZABLE && outcome.verdict() != Verdict.LINEARIZABLE) {
                verdict = outcome.verdict();
            }
        }
        millis.sort(null);
        System.out.printf(Locale.ROOT, "%-9d %-6d %-8.2f %-10s %-8s %10.1f %10.1f %12d %10d%n", processes, ops, unknownRate,
                staleRead ? "stale read" : "clean", abbreviation(verdict), millis.get(millis.size() / 2),
                millis.get(millis.size() - 1), steps, configs);
    }

    private static String abbreviation(Verdict verdict) {
        return switch (verdict) {
            case LINEARIZABLE -> "LIN";
            case NOT_LINEARIZABLE -> "NOT-LIN";
            case UNKNOWN -> "TIMEOUT";
        };
    }
}
