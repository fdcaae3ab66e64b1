package io.kvlog.cli.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The linearizability search for one key's sub-history against a register (Wing &amp; Gong, with the memoisation
 * of Lowe and of porcupine).
 *
 * <p>The calls and returns of acknowledged operations are kept in one doubly linked list ordered by time (a call
 * before a return at the same instant, so touching intervals count as concurrent). Scanning from the head, every
 * call met before the first return belongs to a <em>minimal</em> operation: no operation still to be linearized
 * returned before it was called. At each point the search linearizes one candidate the register allows (a read
 * that fits if there is one, see below; otherwise the other acknowledged candidates one by one, the one that must
 * return soonest first, so that a long-running write is not placed early and found wrong only much later; then the
 * unknown ones), removes its call and return from the list and goes on from there; when no candidate is left, the
 * operation at the first return cannot be linearized after what was chosen, so the last choice is undone and the
 * next alternative at that point is tried. It succeeds when every acknowledged operation is linearized.
 *
 * <p>UNKNOWN operations return at infinity: they never block, stay candidates from their call on, and need not be
 * linearized at all (an effect after everything else is the same as no effect). They live in a second list of
 * calls, and at each step are tried only after every acknowledged candidate: a search that first tries leaving
 * them out reaches the configurations that dominate the others (below) first. UNKNOWN reads constrain nothing and
 * are dropped before the search, as are FAIL operations.
 *
 * <p>Reductions, each sound because what it skips is matched or dominated (below) by what the search does reach:
 * <ul>
 *   <li>a candidate read that fits the current value is linearized at once, with no alternative tried at that
 *       point: in any linearization from here it can be moved to the front (it is minimal and changes nothing).
 *       Without this, concurrent reads multiply the configurations by the subsets of them already placed;</li>
 *   <li>an unknown write that no acknowledged operation could have observed is left out: a PUT of v when no read
 *       or append observed a value starting with v, an APPEND of x when none observed a value containing x. Until
 *       the next overwrite every value starts with v (contains x), so nothing observed its effect and leaving it
 *       out changes nothing. DELETEs are always kept;</li>
 *   <li>an unknown PUT or DELETE is not linearized right after another unknown operation: it would overwrite that
 *       one's effect, the same as linearizing it alone, with one more unknown operation used.</li>
 * </ul>
 *
 * <p>Memoisation: a configuration is (acknowledged operations linearized, unknown operations linearized, register
 * value). Having linearized fewer unknown operations leaves strictly more choices, so a configuration is skipped
 * when one with the same acknowledged set and value and a subset of its unknown operations was already reached
 * (for histories without unknown operations this is plain (set, value) memoisation). This keeps failing searches
 * from trying every subset of unknown writes.
 *
 * <p>Not thread-safe: one instance per key and per run.
 */
final class RegisterSearch {

    /** What a search found. */
    record Outcome(Verdict verdict, String explanation, long steps, int configurations) {
    }

    private final List<HistoryEntry> entries; // sorted by call time
    private final int n;
    private final OpKind[] kind;
    private final String[] value;
    private final String[] observed;
    private final boolean[] acknowledged;
    /** False for an unknown op that nothing observed: it is never linearized. */
    private final boolean[] visible;
    private final int invisible;
    private final long deadlineNanos;
    /** Index of op i in okBits (acknowledged) or unknownBits (unknown). */
    private final int[] bit;
    private final int okCount;
    private final String initial;
    private final long originNanos;

    // Two linked lists over the nodes (node 2i is op i's call, 2i+1 its return), each between two sentinels:
    // the calls and returns of acknowledged ops (head..tail), the calls of unknown ops (unknownHead..unknownTail).
    private final int head;
    private final int tail;
    private final int unknownHead;
    private final int unknownTail;
    private final int[] next;
    private final int[] prev;
    /** The rank of every node in time order. */
    private final int[] rank;

    // The search's position.
    private final long[] okBits;
    private final long[] unknownBits;
    private final long[] zobrist; // a random word per acknowledged op: the hash of okBits is their xor
    private long okHash;
    private final int[] stack;
    private final String[] stackState;
    /** For an unknown op on the stack: the rank of the first return when it was chosen, to resume the scan. */
    private final int[] stackLimit;
    private final int[] candidateBuffer;
    private int candidates;
    private int candidate; // the next to try
    /** For a read on the stack: linearized as soon as it fitted, without alternatives at that point. */
    private final boolean[] stackForced;
    private int depth;
    private String state;
    private String stepped; // the value after a successful step()
    private final Map<MemoKey, List<long[]>> memo = new HashMap<>();
    private int configurations; // reached, i.e. not skipped by the memo

    // The deepest point reached, for explanations.
    private int[] bestPrefix = new int[0];
    private int bestOk = -1;
    private String bestState;

    /**
     * @param entries     one key's operations (any order; FAIL and UNKNOWN GETs are ignored)
     * @param initial     the key's value before the history (null = absent)
     * @param originNanos   the history's first call, for the times in explanations
     * @param deadlineNanos when to give up ({@link System#nanoTime()})
     */
    RegisterSearch(List<HistoryEntry> entries, String initial, long originNanos, long deadlineNanos) {
        List<HistoryEntry> kept = new ArrayList<>();
        for (HistoryEntry e : entries) {
            if (e.outcome() == OpOutcome.FAIL || e.outcome() != OpOutcome.OK && e.kind() == OpKind.GET) {
                continue;
            }
            kept.add(e);
        }
        kept.sort(Comparator.comparingLong(HistoryEntry::callNanos).thenComparingLong(HistoryEntry::id));
        this.entries = kept;
        this.n = kept.size();
        this.initial = initial;
        this.originNanos = originNanos;
        this.deadlineNanos = deadlineNanos;
        kind = new OpKind[n];
        value = new String[n];
        observed = new String[n];
        acknowledged = new boolean[n];
        bit = new int[n];
        int oks = 0;
        int unknowns = 0;
        for (int i = 0; i < n; i++) {
            HistoryEntry e = kept.get(i);
            kind[i] = e.kind();
            value[i] = e.value();
            observed[i] = e.observed();
            acknowledged[i] = e.outcome() == OpOutcome.OK;
            bit[i] = acknowledged[i] ? oks++ : unknowns++;
        }
        okCount = oks;
        visible = new boolean[n];
        invisible = markVisible();
        okBits = new long[(oks + 63) >>> 6];
        unknownBits = new long[(unknowns + 63) >>> 6];
        zobrist = new long[oks];
        SplittableRandom random = new SplittableRandom(0x6b766c6f67L);
        for (int i = 0; i < oks; i++) {
            zobrist[i] = random.nextLong();
        }

        head = 2 * n;
        tail = 2 * n + 1;
        unknownHead = 2 * n + 2;
        unknownTail = 2 * n + 3;
        next = new int[2 * n + 4];
        prev = new int[2 * n + 4];
        rank = new int[2 * n];
        Integer[] nodes = new Integer[2 * n];
        for (int node = 0; node < 2 * n; node++) {
            nodes[node] = node;
        }
        Arrays.sort(nodes, Comparator.<Integer>comparingLong(this::time)
                .thenComparingInt(node -> node & 1) // calls first at the same instant
                .thenComparingInt(node -> node >>> 1));
        int last = head;
        int lastUnknown = unknownHead;
        for (int r = 0; r < nodes.length; r++) {
            int node = nodes[r];
            rank[node] = r;
            if (acknowledged[node >>> 1]) {
                next[last] = node;
                prev[node] = last;
                last = node;
            } else if ((node & 1) == 0 && visible[node >>> 1]) {
                next[lastUnknown] = node;
                prev[node] = lastUnknown;
                lastUnknown = node;
            }
        }
        next[last] = tail;
        prev[tail] = last;
        next[lastUnknown] = unknownTail;
        prev[unknownTail] = lastUnknown;
        stack = new int[n];
        stackState = new String[n];
        stackLimit = new int[n];
        stackForced = new boolean[n];
        candidateBuffer = new int[n];
    }

    int operations() {
        return n;
    }

    private long time(int node) {
        HistoryEntry e = entries.get(node >>> 1);
        return (node & 1) == 0 ? e.callNanos() : e.returnNanos();
    }

    /**
     * Marks the ops the search may linearize: every acknowledged one, and the unknown ones whose effect some
     * acknowledged op could have observed. Past the deadline the rest count as visible, which is always sound.
     *
     * @return how many unknown ops are left out
     */
    private int markVisible() {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            visible[i] = acknowledged[i];
            if (acknowledged[i] && observed[i] != null) {
                seen.add(observed[i]);
            }
        }
        int left = 0;
        for (int i = 0; i < n; i++) {
            if (acknowledged[i]) {
                continue;
            }
            if (kind[i] == OpKind.DELETE || System.nanoTime() - deadlineNanos > 0) {
                visible[i] = true;
                continue;
            }
            for (String value : seen) {
                if (kind[i] == OpKind.PUT ? value.startsWith(this.value[i]) : value.contains(this.value[i])) {
                    visible[i] = true;
                    break;
                }
            }
            left += visible[i] ? 0 : 1;
        }
        return left;
    }

    int invisibleUnknowns() {
        return invisible;
    }

    // What the scan is doing at the current configuration.
    private static final int READS = 0; // looking for a candidate read that fits: it is linearized, forced
    private static final int ACKNOWLEDGED = 1; // trying the acknowledged candidates one by one
    private static final int UNKNOWNS = 2; // then the unknown ones
    private static final int EXHAUSTED = 3; // nothing fits here: undo the last choice

    /** Runs the search until it decides or the deadline passes. */
    Outcome run() {
        state = initial;
        int okLeft = okCount;
        int phase = READS;
        int entry = next[head];
        int limit = 0; // the rank of the first return; the calls before it are candidates
        long steps = 0;
        while (okLeft > 0) {
            if ((++steps & 1023) == 0 && (System.nanoTime() - deadlineNanos > 0 || Thread.currentThread().isInterrupted())) {
                noteBest(okCount - okLeft);
                return new Outcome(Verdict.UNKNOWN, gaveUp(steps), steps, configurations);
            }
            switch (phase) {
                case READS -> {
                    if (entry == tail) {
                        throw new IllegalStateException("search ran off the end of the event list with " + okLeft
                                + " acknowledged operations left: a bug in the checker");
                    }
                    int op = entry >>> 1;
                    if ((entry & 1) == 1) {
                        limit = rank[entry];
                        collectCandidates(-1);
                        phase = ACKNOWLEDGED;
                    } else if (kind[op] == OpKind.GET && step(op, state)) {
                        // A minimal read that fits now can be moved to the front of any linearization from here,
                        // so it is linearized without trying alternatives; if that fails, so does this point.
                        if (push(op, true, limit)) {
                            okLeft--;
                            entry = next[head];
                        } else {
                            phase = EXHAUSTED;
                        }
                    } else {
                        entry = next[entry];
                    }
                }
                case ACKNOWLEDGED -> {
                    if (candidate < candidates) {
                        int op = candidate(candidate++);
                        if (step(op, state) && push(op, false, limit)) {
                            okLeft--;
                            phase = READS;
                            entry = next[head];
                        }
                    } else {
                        phase = UNKNOWNS;
                        entry = next[unknownHead];
                    }
                }
                case UNKNOWNS -> {
                    int op = entry >>> 1;
                    if (entry == unknownTail || rank[entry] > limit) {
                        phase = EXHAUSTED;
                    } else if (kind[op] != OpKind.APPEND && depth > 0 && !acknowledged[stack[depth - 1]]) {
                        entry = next[entry]; // it would overwrite the unknown op just linearized: see the class comment
                    } else if (step(op, state) && push(op, false, limit)) {
                        phase = READS;
                        entry = next[head];
                    } else {
                        entry = next[entry];
                    }
                }
                default -> {
                    if (depth == 0) {
                        return new Outcome(Verdict.NOT_LINEARIZABLE, notLinearizable(), steps, configurations);
                    }
                    noteBest(okCount - okLeft);
                    int undone = pop();
                    if (acknowledged[undone]) {
                        okLeft++;
                    }
                    if (stackForced[depth]) {
                        continue; // a forced read failed: the point before it fails as well
                    }
                    limit = stackLimit[depth];
                    if (acknowledged[undone]) {
                        collectCandidates(undone);
                        phase = ACKNOWLEDGED;
                    } else {
                        phase = UNKNOWNS;
                        entry = next[2 * undone];
                    }
                }
            }
        }
        int unknownsPlaced = 0;
        for (int d = 0; d < depth; d++) {
            unknownsPlaced += acknowledged[stack[d]] ? 0 : 1;
        }
        return new Outcome(Verdict.LINEARIZABLE, n + " operations (" + (n - okCount) + " of unknown outcome, "
                + unknownsPlaced + " of them taking effect in the order found, " + invisible + " never observed); "
                + steps + " search steps", steps, configurations);
    }

    /**
     * Collects the acknowledged candidates that are not reads (which READS has tried) of the current configuration
     * into {@link #candidateBuffer}, by return (the most urgent first), and positions {@link #candidate} after
     * {@code resumeAfter} (-1: at the start). Trying the op that must take effect soonest first, rather than the one
     * called first, keeps a long-running write from being placed early and found wrong only much later.
     */
    private void collectCandidates(int resumeAfter) {
        candidates = 0;
        candidate = 0;
        for (int node = next[head]; (node & 1) == 0; node = next[node]) {
            int op = node >>> 1;
            if (kind[op] == OpKind.GET) {
                continue;
            }
            // insertion sort by return rank: the candidates are about as many as the concurrent clients
            int at = candidates++;
            while (at > 0 && rank[2 * candidateBuffer[at - 1] + 1] > rank[2 * op + 1]) {
                candidateBuffer[at] = candidateBuffer[at - 1];
                at--;
            }
            candidateBuffer[at] = op;
        }
        if (resumeAfter >= 0) {
            while (candidateBuffer[candidate] != resumeAfter) {
                candidate++;
            }
            candidate++;
        }
    }

    private int candidate(int index) {
        return candidateBuffer[index];
    }

    /**
     * Linearizes op next, after {@link #step} allowed it (the value after it is in {@link #stepped}), unless the
     * configuration it leads to is dominated by one reached before.
     */
    private boolean push(int op, boolean forced, int limit) {
        mark(op, true);
        if (!firstVisit(stepped)) {
            mark(op, false);
            return false;
        }
        stack[depth] = op;
        stackState[depth] = state;
        stackLimit[depth] = limit;
        stackForced[depth] = forced;
        depth++;
        state = stepped;
        lift(op);
        return true;
    }

    /** Undoes the last {@link #push}; the popped frame stays readable at index {@link #depth}. */
    private int pop() {
        depth--;
        int op = stack[depth];
        state = stackState[depth];
        stackState[depth] = null;
        mark(op, false);
        unlift(op);
        return op;
    }

    /** The register: may op take effect on value {@code before}? If so the value after is left in {@link #stepped}. */
    private boolean step(int op, String before) {
        switch (kind[op]) {
            case PUT -> stepped = value[op];
            case DELETE -> stepped = null;
            case GET -> {
                if (!Objects.equals(observed[op], before)) {
                    return false;
                }
                stepped = before;
            }
            case APPEND -> {
                String base = before == null ? "" : before;
                String suffix = value[op];
                String seen = acknowledged[op] ? observed[op] : null;
                if (seen == null) {
                    stepped = base.concat(suffix);
                } else if (seen.length() == base.length() + suffix.length() && seen.startsWith(base) && seen.endsWith(suffix)) {
                    stepped = seen; // reuse the observed string (and its cached hash) rather than build a new one
                } else {
                    return false;
                }
            }
            default -> throw new IllegalStateException("unhandled kind " + kind[op]);
        }
        return true;
    }

    private void mark(int op, boolean linearized) {
        long[] bits = acknowledged[op] ? okBits : unknownBits;
        int b = bit[op];
        if (linearized) {
            bits[b >>> 6] |= 1L << b;
        } else {
            bits[b >>> 6] &= ~(1L << b);
        }
        if (acknowledged[op]) {
            okHash ^= zobrist[b];
        }
    }

    /**
     * Records the current configuration (with the op just marked and the value after it) unless it is dominated by
     * one reached before: same acknowledged set and value, a subset of its unknown operations.
     */
    private boolean firstVisit(String after) {
        MemoKey key = MemoKey.of(okBits, okHash, after);
        List<long[]> reached = memo.get(key);
        if (reached == null) {
            reached = new ArrayList<>(1);
            memo.put(key, reached);
        } else {
            for (long[] unknowns : reached) {
                if (subset(unknowns, unknownBits)) {
                    return false;
                }
            }
            reached.removeIf(unknowns -> subset(unknownBits, unknowns)); // now dominated by this one
        }
        reached.add(unknownBits.clone());
        configurations++;
        return true;
    }

    private static boolean subset(long[] a, long[] b) {
        for (int w = 0; w < a.length; w++) {
            if ((a[w] & ~b[w]) != 0) {
                return false;
            }
        }
        return true;
    }

    // Dancing links: unlift must undo lifts in reverse order, which the stack guarantees. An unknown op has only
    // its call in a list.
    private void lift(int op) {
        remove(2 * op);
        if (acknowledged[op]) {
            remove(2 * op + 1);
        }
    }

    private void unlift(int op) {
        if (acknowledged[op]) {
            restore(2 * op + 1);
        }
        restore(2 * op);
    }

    private void remove(int node) {
        next[prev[node]] = next[node];
        prev[next[node]] = prev[node];
    }

    private void restore(int node) {
        next[prev[node]] = node;
        prev[next[node]] = node;
    }

    private void noteBest(int oksLinearized) {
        if (oksLinearized > bestOk) {
            bestOk = oksLinearized;
            bestPrefix = Arrays.copyOf(stack, depth);
            bestState = state;
        }
    }

    private String gaveUp(long steps) {
        return "gave up when the time budget ran out, after " + steps + " search steps and " + configurations
                + " configurations; the longest linearizable prefix found so far holds " + bestOk + " of "
                + okCount + " acknowledged operations (" + n + " operations in all)";
    }

    /**
     * Explains a failed search from its deepest point: the prefix that could be linearized, the value it left, the
     * operations that could come next and why none of them leads to a full linearization.
     */
    private String notLinearizable() {
        if (bestOk < 0) {
            bestOk = 0;
            bestState = initial;
        }
        StringBuilder text = new StringBuilder();
        text.append("no order of the ").append(n).append(" operations (").append(n - okCount)
                .append(" of unknown outcome, ").append(invisible)
                .append(" of those never observed and left out) fits a register. The longest linearizable prefix holds ")
                .append(bestOk).append(" of ").append(okCount).append(" acknowledged operations");
        if (bestPrefix.length > bestOk) {
            text.append(" and ").append(bestPrefix.length - bestOk).append(" unknown ones");
        }
        if (bestPrefix.length > 0) {
            int shown = Math.min(5, bestPrefix.length);
            text.append("; it ends with:");
            for (int d = bestPrefix.length - shown; d < bestPrefix.length; d++) {
                text.append("\n    ").append(OpText.op(entries.get(bestPrefix[d]), originNanos));
            }
            text.append("\n  after which the key held ").append(OpText.value(bestState)).append('.');
        } else {
            text.append(". The key started ").append(OpText.value(bestState)).append('.');
        }

        boolean[] inPrefix = new boolean[n];
        for (int op : bestPrefix) {
            inPrefix[op] = true;
        }
        int blocker = -1; // the first acknowledged op left to return: something must be linearized before it
        for (int op = 0; op < n; op++) {
            if (!inPrefix[op] && acknowledged[op] && (blocker < 0 || rank[2 * op + 1] < rank[2 * blocker + 1])) {
                blocker = op;
            }
        }
        text.append("\n  None of the operations that could take effect next leads to a full linearization:");
        int listed = 0;
        int candidates = 0;
        for (int op = 0; op < n; op++) {
            if (inPrefix[op] || !visible[op] || rank[2 * op] > rank[2 * blocker + 1]) {
                continue;
            }
            candidates++;
            if (listed == 10) {
                continue;
            }
            listed++;
            text.append("\n    ").append(OpText.op(entries.get(op), originNanos)).append(": ");
            if (step(op, bestState)) {
                text.append("fits here (the key would hold ").append(OpText.value(stepped))
                        .append("), but no order of the rest follows");
            } else if (kind[op] == OpKind.GET) {
                text.append("read ").append(OpText.value(observed[op])).append(" but the key held ")
                        .append(OpText.value(bestState));
            } else {
                text.append("returned ").append(OpText.value(observed[op])).append(" but appending to ")
                        .append(OpText.value(bestState)).append(" gives ")
                        .append(OpText.value((bestState == null ? "" : bestState) + value[op]));
            }
        }
        if (candidates > listed) {
            text.append("\n    … and ").append(candidates - listed).append(" more");
        }
        text.append("\n  ").append(OpText.op(entries.get(blocker), originNanos))
                .append(" must take effect before it returned, so one of these had to.");
        return text.toString();
    }

    /**
     * A memo key: the set of acknowledged operations linearized, and the register's value. The set is kept compact
     * and canonical: the words before {@code from} are all ones, the words after those kept are all zeros (the
     * search linearizes roughly in call order, so the kept window is short).
     */
    private record MemoKey(int from, long[] words, String value, int hash) {

        static MemoKey of(long[] bits, long bitsHash, String value) {
            int from = 0;
            while (from < bits.length && bits[from] == -1L) {
                from++;
            }
            int to = bits.length;
            while (to > from && bits[to - 1] == 0L) {
                to--;
            }
            long mixed = bitsHash * 0x9E3779B97F4A7C15L + (value == null ? 0 : value.hashCode());
            return new MemoKey(from, Arrays.copyOfRange(bits, from, to), value, (int) (mixed ^ (mixed >>> 32)));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof MemoKey k && hash == k.hash && from == k.from
                    && Arrays.equals(words, k.words) && Objects.equals(value, k.value);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
