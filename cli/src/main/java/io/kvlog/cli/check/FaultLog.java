package io.kvlog.cli.check;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The faults a scenario injected, each with its wall-clock time and its offset from the scenario's start. */
public final class FaultLog {

    /** One injected fault. */
    public record Fault(Instant at, long sinceStartMillis, String what) {
        @Override
        public String toString() {
            return String.format("%s (+%.1f s) %s", at, sinceStartMillis / 1000.0, what);
        }
    }

    private final long startNanos = System.nanoTime();
    private final List<Fault> faults = new ArrayList<>();
    private final Consumer<String> progress;

    public FaultLog(Consumer<String> progress) {
        this.progress = progress;
    }

    public synchronized void record(String what) {
        Fault fault = new Fault(Instant.now(), (System.nanoTime() - startNanos) / 1_000_000, what);
        faults.add(fault);
        progress.accept("  fault: " + fault);
    }

    public synchronized List<Fault> faults() {
        return List.copyOf(faults);
    }
}
