package io.kvlog.cli.check;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one scenario did and found: its operations, the faults it injected, the checkers'
 * verdicts, its own findings (anomalies) and notes (figures). It passed only if it ran to the end,
 * every checker said so (an UNKNOWN verdict is not a pass) and it found nothing.
 */
public final class ScenarioReport {

    private final int number;
    private final String name;
    private final List<String> findings = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private FaultLog faults;
    private History history;
    private CheckResult linearizability;
    private LostWriteResult lostWrites;
    private Duration elapsed = Duration.ZERO;
    private Path historyFile;
    private java.util.Map<String, String> finalValues;
    private String error;

    ScenarioReport(int number, String name) {
        this.number = number;
        this.name = name;
    }

    public int number() {
        return number;
    }

    public String name() {
        return name;
    }

    /** An anomaly: a property the scenario checks did not hold. */
    public synchronized void finding(String text) {
        findings.add(text);
    }

    /** A figure or fact worth reporting that is not an anomaly. */
    public synchronized void note(String text) {
        notes.add(text);
    }

    public synchronized List<String> findings() {
        return List.copyOf(findings);
    }

    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    void faults(FaultLog log) {
        this.faults = log;
    }

    public List<FaultLog.Fault> faultList() {
        return faults == null ? List.of() : faults.faults();
    }

    void history(History h) {
        this.history = h;
    }

    public History history() {
        return history;
    }

    public int operations() {
        return history == null ? 0 : history.size();
    }

    void linearizability(CheckResult result) {
        this.linearizability = result;
    }

    public CheckResult linearizability() {
        return linearizability;
    }

    void lostWrites(LostWriteResult result) {
        this.lostWrites = result;
    }

    public LostWriteResult lostWrites() {
        return lostWrites;
    }

    void elapsed(Duration d) {
        this.elapsed = d;
    }

    public Duration elapsed() {
        return elapsed;
    }

    void historyFile(Path file) {
        this.historyFile = file;
    }

    public Path historyFile() {
        return historyFile;
    }

    void finalValues(java.util.Map<String, String> values) {
        this.finalValues = values;
    }

    /** Each written key's value after healing (null = absent), as the lost-write check got it; null if not read. */
    public java.util.Map<String, String> finalValues() {
        return finalValues;
    }

    void error(String message) {
        this.error = message;
    }

    /** Why the scenario could not run to its end, or null. */
    public String error() {
        return error;
    }

    public boolean passed() {
        return error == null
                && findings().isEmpty()
                && (linearizability == null || linearizability.overall() == Verdict.LINEARIZABLE)
                && (lostWrites == null || lostWrites.ok());
    }

    /** Every reason the scenario did not pass, one line each. */
    public List<String> failures() {
        List<String> reasons = new ArrayList<>();
        if (error != null) {
            reasons.add("did not complete: " + error);
        }
        if (linearizability != null && linearizability.overall() != Verdict.LINEARIZABLE) {
            for (KeyVerdict k : linearizability.anomalies()) {
                reasons.add("linearizability " + k.verdict() + " on key " + k.key() + " (" + k.operations()
                        + " ops): " + k.explanation());
            }
            if (linearizability.anomalies().isEmpty()) {
                reasons.add("linearizability " + linearizability.overall());
            }
        }
        if (lostWrites != null) {
            lostWrites.lost().forEach(l -> reasons.add("lost write: " + l));
        }
        findings().forEach(f -> reasons.add(f));
        return reasons;
    }
}
