package io.kvlog.cli.bench;

import java.util.List;
import java.util.Locale;

/**
 * One workload: which share of operations are reads, at which consistency, and which ack level
 * the writes wait for. The same workload runs against kvlog and, where it has a meaning there,
 * against a baseline system.
 *
 * @param name        short name used in tables and plots (e.g. {@code write}, {@code get-linearizable})
 * @param readPercent 0 (writes only) to 100 (reads only)
 * @param consistency read consistency: {@code linearizable}, {@code session} or {@code eventual}
 * @param ack         write ack level ({@code wait=}): {@code log}, {@code applied} or {@code all}
 */
public record Workload(String name, int readPercent, String consistency, String ack) {

    public static final List<String> CONSISTENCIES = List.of("linearizable", "session", "eventual");
    public static final List<String> ACKS = List.of("log", "applied", "all");

    public Workload {
        if (readPercent < 0 || readPercent > 100) {
            throw new IllegalArgumentException("read percent: must be 0-100, got " + readPercent);
        }
        if (!CONSISTENCIES.contains(consistency)) {
            throw new IllegalArgumentException("consistency: must be one of " + CONSISTENCIES + ", got '" + consistency + "'");
        }
        if (!ACKS.contains(ack)) {
            throw new IllegalArgumentException("wait: must be one of " + ACKS + ", got '" + ack + "'");
        }
    }

    /** The workloads of a named suite. */
    public static List<Workload> suite(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "standard" -> List.of(
                    new Workload("write", 0, "linearizable", "log"),
                    new Workload("get-linearizable", 100, "linearizable", "log"),
                    new Workload("get-eventual", 100, "eventual", "log"),
                    new Workload("mix-90-10", 90, "linearizable", "log"));
            case "quick" -> List.of(
                    new Workload("write", 0, "linearizable", "log"),
                    new Workload("get-linearizable", 100, "linearizable", "log"),
                    new Workload("get-eventual", 100, "eventual", "log"));
            case "acks" -> List.of(
                    new Workload("write", 0, "linearizable", "log"),
                    new Workload("write-applied", 0, "linearizable", "applied"),
                    new Workload("write-all", 0, "linearizable", "all"));
            case "none" -> List.of();
            default -> throw new IllegalArgumentException("suite: must be one of [standard, quick, acks, none], got '"
                    + name + "'");
        };
    }

    /** A single workload from the command line's mix, consistency and ack level. */
    public static Workload custom(int readPercent, String consistency, String ack) {
        String name = readPercent == 0 ? "write" + (ack.equals("log") ? "" : "-" + ack)
                : readPercent == 100 ? "get-" + consistency
                : "mix-" + readPercent + "-" + (100 - readPercent);
        return new Workload(name, readPercent, consistency, ack);
    }

    public boolean hasReads() {
        return readPercent > 0;
    }

    public boolean hasWrites() {
        return readPercent < 100;
    }
}
