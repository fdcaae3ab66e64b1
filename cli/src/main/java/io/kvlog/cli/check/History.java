package io.kvlog.cli.check;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A thread-safe recorder of the operations of concurrent clients, timed with {@link System#nanoTime()}.
 *
 * <p>A client calls {@link #invoke} just before it sends a request and then exactly one of {@link #ok},
 * {@link #fail} or {@link #unknown} once it knows how the request ended. An operation that was invoked but never
 * completed (the client crashed or the run ended first) counts as UNKNOWN in every snapshot.
 *
 * <p>Times are taken before the lock is taken, so waiting for the lock only widens an operation's interval,
 * which never makes a linearizable history look non-linearizable. The lock guards a list append or a field
 * update: cheap next to an HTTP round trip, even with 16 clients.
 */
public final class History {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One operation as it is being recorded; guarded by the history's lock. */
    private static final class Slot {
        final long id;
        final int process;
        final OpKind kind;
        final String key;
        final String value;
        final long callNanos;
        long returnNanos = HistoryEntry.OPEN;
        OpOutcome outcome; // null while in flight
        String observed;

        Slot(long id, int process, OpKind kind, String key, String value, long callNanos) {
            this.id = id;
            this.process = process;
            this.kind = kind;
            this.key = key;
            this.value = value;
            this.callNanos = callNanos;
        }

        HistoryEntry entry() {
            if (outcome == null || outcome == OpOutcome.UNKNOWN) {
                return new HistoryEntry(id, process, kind, key, value, callNanos, HistoryEntry.OPEN, OpOutcome.UNKNOWN, null);
            }
            return new HistoryEntry(id, process, kind, key, value, callNanos, returnNanos, outcome, observed);
        }
    }

    private final Object lock = new Object();
    /** Indexed by id. */
    private final List<Slot> slots = new ArrayList<>();
    /** Entries given whole (a loaded or hand-made history). */
    private final List<HistoryEntry> given = new ArrayList<>();
    /** The id of slots.get(0): recorded ids continue after the given ones. */
    private long firstSlotId;

    /** An empty history to record into. */
    public History() {
    }

    /** A history of finished entries, e.g. a hand-made one in a test or one read back from JSON. */
    public static History of(Collection<HistoryEntry> entries) {
        History history = new History();
        Set<Long> ids = new HashSet<>();
        for (HistoryEntry entry : entries) {
            if (!ids.add(entry.id())) {
                throw new IllegalArgumentException("duplicate operation id " + entry.id() + " in the given history");
            }
        }
        history.given.addAll(entries);
        history.firstSlotId = ids.stream().mapToLong(Long::longValue).max().orElse(-1) + 1;
        return history;
    }

    /** Reads a history written by {@link #writeJson}. */
    public static History readJson(Path file) throws IOException {
        Map<String, Object> root = JSON.readValue(file.toFile(), new TypeReference<>() { });
        if (!root.containsKey("entries")) {
            throw new IOException(file + " is not a history: it has no \"entries\" array");
        }
        List<HistoryEntry> entries = JSON.convertValue(root.get("entries"), new TypeReference<List<HistoryEntry>>() { });
        return of(entries);
    }

    /**
     * Records the call of an operation; call it just before the request is sent.
     *
     * @param value PUT's value or APPEND's suffix; null for DELETE and GET
     * @return the operation's id, to complete it with
     */
    public long invoke(int process, OpKind kind, String key, String value) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if ((kind == OpKind.PUT || kind == OpKind.APPEND) && value == null) {
            throw new IllegalArgumentException("a " + kind + " of key '" + key + "' needs a value");
        }
        long now = System.nanoTime();
        synchronized (lock) {
            long id = firstSlotId + slots.size();
            slots.add(new Slot(id, process, kind, key, value, now));
            return id;
        }
    }

    /**
     * Records that the operation returned: acknowledged (writes) or answered (reads).
     *
     * @param observed GET's value (null = absent) or APPEND's new value; ignored for PUT and DELETE
     */
    public void ok(long id, String observed) {
        complete(id, OpOutcome.OK, observed);
    }

    /** Records that the operation definitely did not take effect. */
    public void fail(long id) {
        complete(id, OpOutcome.FAIL, null);
    }

    /** Records that the operation may or may not have taken effect, now or at any later time. */
    public void unknown(long id) {
        complete(id, OpOutcome.UNKNOWN, null);
    }

    private void complete(long id, OpOutcome outcome, String observed) {
        long now = System.nanoTime();
        synchronized (lock) {
            long index = id - firstSlotId;
            if (index < 0 || index >= slots.size()) {
                throw new IllegalArgumentException("no operation " + id + " was invoked on this history");
            }
            Slot slot = slots.get((int) index);
            if (slot.outcome != null) {
                throw new IllegalStateException("operation " + id + " already ended as " + slot.outcome
                        + "; it cannot also end as " + outcome);
            }
            slot.outcome = outcome;
            slot.returnNanos = now;
            slot.observed = slot.kind == OpKind.GET || slot.kind == OpKind.APPEND ? observed : null;
        }
    }

    /** A snapshot of every operation in call order; operations still in flight are UNKNOWN. */
    public List<HistoryEntry> entries() {
        List<HistoryEntry> entries;
        synchronized (lock) {
            entries = new ArrayList<>(given.size() + slots.size());
            entries.addAll(given);
            for (Slot slot : slots) {
                entries.add(slot.entry());
            }
        }
        entries.sort(Comparator.comparingLong(HistoryEntry::callNanos).thenComparingLong(HistoryEntry::id));
        return entries;
    }

    /** The snapshot partitioned by key (keys in order of first call), each list in call order. */
    public Map<String, List<HistoryEntry>> byKey() {
        Map<String, List<HistoryEntry>> byKey = new LinkedHashMap<>();
        for (HistoryEntry entry : entries()) {
            byKey.computeIfAbsent(entry.key(), k -> new ArrayList<>()).add(entry);
        }
        return byKey;
    }

    /** The number of operations invoked or given. */
    public int size() {
        synchronized (lock) {
            return given.size() + slots.size();
        }
    }

    /**
     * Writes the snapshot as JSON: {@code {"operations": N, "entries": [...]}}, each entry with the fields of
     * {@link HistoryEntry} (times in nanoseconds of the recording JVM; an open end is Long.MAX_VALUE).
     */
    public void writeJson(Path file) throws IOException {
        List<HistoryEntry> entries = entries();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("operations", entries.size());
        root.put("entries", entries);
        JSON.writeValue(file.toFile(), root);
    }
}
