package io.kvlog.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the CPU went during a run, on Linux: the CPU time of named groups of processes (from
 * {@code /proc/PID/stat}, user + system, in clock ticks of 1/100 s) and of the whole machine
 * (from {@code /proc/stat}, every non-idle state), each as cores busy on average over the
 * interval. On a machine where clients and servers share the cores this shows what the clients
 * cost and whether anything else was running. A process that is gone or unreadable counts as 0;
 * without {@code /proc} every figure is NaN.
 */
final class CpuMeter {

    /** Linux's USER_HZ: the unit of the times in /proc. */
    private static final double TICKS_PER_SECOND = 100;
    static final String MACHINE = "machine";

    private final Map<String, List<Long>> groups;
    private final Map<Long, Long> startTicks = new HashMap<>();
    private long startMachine;
    private long startNanos;

    /** @param groups name (e.g. {@code bench}, {@code watchNode}, {@code brokers}) to process ids */
    CpuMeter(Map<String, List<Long>> groups) {
        this.groups = groups;
    }

    /** This JVM's process id, for a group. */
    static long self() {
        return ProcessHandle.current().pid();
    }

    /** Starts (or restarts) the interval now. */
    void start() {
        startTicks.clear();
        groups.values().forEach(pids -> pids.forEach(pid -> startTicks.put(pid, ticks(pid))));
        startMachine = machineTicks();
        startNanos = System.nanoTime();
    }

    /** Cores busy on average since {@link #start}, per group and for the machine ({@value #MACHINE}). */
    Map<String, Double> coresSinceStart() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        groups.forEach((name, pids) -> {
            long used = 0;
            for (long pid : pids) {
                long now = ticks(pid);
                Long then = startTicks.get(pid);
                if (now >= 0 && then != null && then >= 0) {
                    used += now - then;
                }
            }
            cores.put(name, round(used / TICKS_PER_SECOND / seconds));
        });
        long machine = machineTicks();
        cores.put(MACHINE, machine < 0 || startMachine < 0 ? Double.NaN
                : round((machine - startMachine) / TICKS_PER_SECOND / seconds));
        return cores;
    }

    private static double round(double cores) {
        return Math.round(cores * 100) / 100.0;
    }

    /** utime + stime of a process, or -1. */
    static long ticks(long pid) {
        try {
            return parseStat(Files.readString(Path.of("/proc/" + pid + "/stat")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime from a /proc/PID/stat line (fields 14 and 15; the command name may hold spaces and parentheses). */
    static long parseStat(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // fields[0] is field 3 (state): utime is field 14, stime field 15
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** Every non-idle tick of every core since boot ({@code cpu} line of /proc/stat), or -1. */
    static long machineTicks() {
        try {
            return parseMachine(Files.readAllLines(Path.of("/proc/stat")).get(0));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** user nice system idle iowait irq softirq steal ...: all but idle and iowait. */
    static long parseMachine(String cpuLine) {
        String[] f = cpuLine.trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }
}
