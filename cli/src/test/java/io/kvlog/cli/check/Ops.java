package io.kvlog.cli.check;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-made histories for tests: each method adds one operation with the given call and return times in
 * milliseconds (kept as nanoseconds, as a recorded history would) and returns its id.
 */
final class Ops {

    private final List<HistoryEntry> entries = new ArrayList<>();

    long put(int process, String key, String value, long call, long ret) {
        return add(process, OpKind.PUT, key, value, call, ret, OpOutcome.OK, null);
    }

    long delete(int process, String key, long call, long ret) {
        return add(process, OpKind.DELETE, key, null, call, ret, OpOutcome.OK, null);
    }

    long append(int process, String key, String suffix, long call, long ret, String returned) {
        return add(process, OpKind.APPEND, key, suffix, call, ret, OpOutcome.OK, returned);
    }

    long get(int process, String key, long call, long ret, String observed) {
        return add(process, OpKind.GET, key, null, call, ret, OpOutcome.OK, observed);
    }

    /** A write whose outcome is unknown: open-ended from its call. */
    long unknown(int process, OpKind kind, String key, String value, long call) {
        return add(process, kind, key, value, call, HistoryEntry.OPEN, OpOutcome.UNKNOWN, null);
    }

    /** A write that definitely did not take effect. */
    long failed(int process, OpKind kind, String key, String value, long call, long ret) {
        return add(process, kind, key, value, call, ret, OpOutcome.FAIL, null);
    }

    long add(int process, OpKind kind, String key, String value, long call, long ret, OpOutcome outcome, String observed) {
        long id = entries.size();
        long callNanos = call * 1_000_000;
        long returnNanos = ret == HistoryEntry.OPEN ? HistoryEntry.OPEN : ret * 1_000_000;
        entries.add(new HistoryEntry(id, process, kind, key, value, callNanos, returnNanos, outcome, observed));
        return id;
    }

    History history() {
        return History.of(entries);
    }
}
