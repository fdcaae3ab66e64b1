package io.kvlog.cli.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Histories of a simulated linearizable register per key: every process runs operations one after another with
 * random latencies, and each operation takes effect at a random instant within its interval, so the history is
 * linearizable by construction. Some writes end UNKNOWN (open-ended), half of them taking effect and half not.
 *
 * <p>PUT values are unique ("v17;") and APPEND suffixes ("+18;") never form one, so a register holds exactly a PUT's
 * value only right after that PUT: the basis of the mutations that surely break linearizability. Both are
 * self-delimiting, as a scenario's values should be, so no value starts with or contains another by accident.
 */
final class SimulatedRegister {

    /** Shape of a generated history. */
    record Shape(int processes, int keys, int opsPerProcess, double unknownWriteRate, int maxLatency) {
    }

    private SimulatedRegister() {
    }

    static List<HistoryEntry> generate(Shape shape, long seed) {
        Random random = new Random(seed);
        record Planned(HistoryEntry entry, long effectAt, boolean takesEffect) {
        }
        List<Planned> planned = new ArrayList<>();
        long id = 0;
        int counter = 0;
        for (int p = 0; p < shape.processes(); p++) {
            // Times in microseconds-like units; *1000 plus the id keeps every instant distinct.
            long t = random.nextInt(10);
            for (int i = 0; i < shape.opsPerProcess(); i++) {
                long call = t * 1000 + id % 1000;
                long latency = 1 + random.nextInt(shape.maxLatency());
                long ret = call + latency * 1000;
                long effectAt = call + 1 + (long) (random.nextDouble() * (ret - call - 2));
                String key = "k" + random.nextInt(shape.keys());
                int roll = random.nextInt(100);
                OpKind kind = roll < 35 ? OpKind.PUT : roll < 75 ? OpKind.GET : roll < 80 ? OpKind.DELETE : OpKind.APPEND;
                counter++;
                String value = switch (kind) {
                    case PUT -> "v" + counter + ";";
                    case APPEND -> "+" + counter + ";";
                    default -> null;
                };
                boolean unknown = kind.isWrite() && random.nextDouble() < shape.unknownWriteRate();
                boolean takesEffect = !unknown || random.nextBoolean();
                HistoryEntry entry = new HistoryEntry(id++, p, kind, key, value, call,
                        unknown ? HistoryEntry.OPEN : ret, unknown ? OpOutcome.UNKNOWN : OpOutcome.OK, null);
                planned.add(new Planned(entry, effectAt, takesEffect));
                t = ret / 1000 + random.nextInt(3);
            }
        }
        planned.sort(Comparator.comparingLong(Planned::effectAt));
        Map<String, String> registers = new HashMap<>();
        List<HistoryEntry> history = new ArrayList<>(planned.size());
        for (Planned op : planned) {
            HistoryEntry e = op.entry();
            String observed = null;
            if (op.takesEffect()) {
                String before = registers.get(e.key());
                switch (e.kind()) {
                    case PUT -> registers.put(e.key(), e.value());
                    case DELETE -> registers.remove(e.key());
                    case APPEND -> {
                        observed = (before == null ? "" : before) + e.value();
                        registers.put(e.key(), observed);
                    }
                    case GET -> observed = before;
                    default -> throw new IllegalStateException(e.kind().toString());
                }
            }
            history.add(e.outcome() == OpOutcome.OK ? withObserved(e, observed) : e);
        }
        history.sort(Comparator.comparingLong(HistoryEntry::callNanos));
        return history;
    }

    static HistoryEntry withObserved(HistoryEntry e, String observed) {
        return new HistoryEntry(e.id(), e.process(), e.kind(), e.key(), e.value(), e.callNanos(), e.returnNanos(),
                e.outcome(), observed);
    }

    /**
     * Makes one OK read stale, which surely breaks linearizability: it reads the value of an OK PUT w0 although
     * another OK PUT w1 of the key came after w0 and returned before the read was called. Null if the history has
     * no such triple.
     */
    static List<HistoryEntry> withStaleRead(List<HistoryEntry> history, Random random) {
        List<int[]> choices = new ArrayList<>();
        for (int r = 0; r < history.size(); r++) {
            HistoryEntry read = history.get(r);
            if (read.kind() != OpKind.GET || !read.acknowledged()) {
                continue;
            }
            // The latest call of an OK PUT that returned before the read: any OK PUT returned before that call is
            // surely overwritten by the time of the read.
            long latestCall = Long.MIN_VALUE;
            for (HistoryEntry later : history) {
                if (isOkPut(later, read.key()) && later.returnNanos() < read.callNanos()) {
                    latestCall = Math.max(latestCall, later.callNanos());
                }
            }
            for (int w0 = 0; w0 < history.size(); w0++) {
                HistoryEntry earlier = history.get(w0);
                if (isOkPut(earlier, read.key()) && earlier.returnNanos() < latestCall
                        && !earlier.value().equals(read.observed())) {
                    choices.add(new int[] {r, w0});
                }
            }
        }
        if (choices.isEmpty()) {
            return null;
        }
        int[] choice = choices.get(random.nextInt(choices.size()));
        List<HistoryEntry> mutated = new ArrayList<>(history);
        mutated.set(choice[0], withObserved(history.get(choice[0]), history.get(choice[1]).value()));
        return mutated;
    }

    /**
     * Makes one OK read see the future, which surely breaks linearizability: it reads the value of a PUT called
     * after the read returned. Null if the history has no such pair.
     */
    static List<HistoryEntry> withFutureRead(List<HistoryEntry> history, Random random) {
        List<int[]> choices = new ArrayList<>();
        for (int r = 0; r < history.size(); r++) {
            HistoryEntry read = history.get(r);
            if (read.kind() != OpKind.GET || !read.acknowledged()) {
                continue;
            }
            for (int w = 0; w < history.size(); w++) {
                HistoryEntry put = history.get(w);
                if (put.kind() == OpKind.PUT && put.key().equals(read.key()) && put.callNanos() > read.returnNanos()) {
                    choices.add(new int[] {r, w});
                }
            }
        }
        if (choices.isEmpty()) {
            return null;
        }
        int[] choice = choices.get(random.nextInt(choices.size()));
        List<HistoryEntry> mutated = new ArrayList<>(history);
        mutated.set(choice[0], withObserved(history.get(choice[0]), history.get(choice[1]).value()));
        return mutated;
    }

    private static boolean isOkPut(HistoryEntry e, String key) {
        return e.kind() == OpKind.PUT && e.acknowledged() && e.key().equals(key);
    }
}
