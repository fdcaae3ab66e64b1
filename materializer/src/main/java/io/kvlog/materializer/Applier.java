package io.kvlog.materializer;

import io.kvlog.materializer.internal.ByteStore;
import io.kvlog.materializer.internal.StoreLayout;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.EventType;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.KeyValue;

/**
 * Applies the events of {@code kv.events}, in offset order per partition, to one store: the
 * Semantics section of DESIGN.md as code. Pure and deterministic: what it writes depends only on
 * the store and the record — never on the clock, the node, or another partition — so the global
 * store (which interleaves partitions differently on every node) and a {@link Replayer} reach the
 * same state at the same position.
 *
 * <p>For a record at offset {@code o} of partition {@code p}, in this order:
 * <ol>
 *   <li>{@code o} at or below {@code p}'s stored {@link Progress}: already applied (re-processing
 *       after a crash); nothing is written.</li>
 *   <li>Malformed (invalid key, a key in another partition than its own, undecodable event):
 *       skipped, only progress is written.</li>
 *   <li>The id has an outcome in {@code p} not older than the dedupe window: a
 *       {@link Outcome.Status#DUPLICATE}; the first outcome stands and only progress is written.</li>
 *   <li>The event's condition fails on the key's current state: {@code PRECONDITION_FAILED}.</li>
 *   <li>An Append whose result would exceed {@link Validation#MAX_STORED_VALUE_BYTES}: {@code TOO_LARGE}.</li>
 *   <li>Otherwise applied: Insert sets the key at version {@code o + 1}, Append appends to it
 *       (an absent key starts empty), Remove deletes it (absent: version 0); {@code APPLIED}.
 *       What changed the key (all but a Remove of an absent key) is a {@link Change}, recorded
 *       in the key's history under version {@code o + 1}.</li>
 * </ol>
 * The outcome of an event with an id is stored under {@code (p, id)}; an event without an id
 * is applied and never deduplicated. Progress is written in the same batch as the event's
 * changes, so state and position never disagree, and re-processing is a no-op (appends included).
 *
 * <p>Time is log time: the largest record timestamp so far in the partition, kept in the
 * progress. Every {@value #PURGE_EVERY}th offset of a partition, up to {@value #PURGE_MAX}
 * outcomes that are past the window are deleted, oldest first; since this depends only on the
 * partition's history too, every copy purges the same outcomes at the same offset.
 *
 * <p>A record without a key is not the applier's: the caller skips it (Kafka Streams skips such
 * records when it restores a global store, so a copy that applied them live would differ).
 *
 * <p>Not thread-safe: driven by one thread, the store's only writer.
 */
public final class Applier {

    static final int PURGE_EVERY = 256;
    static final int PURGE_MAX = 1024;

    private final ByteStore store;
    private final int partitions;
    private final long windowMs;
    /** Each partition's progress as last written: the applier is the store's only writer, so this saves a read per event. */
    private final Map<Integer, Progress> progress = new java.util.HashMap<>();

    /** @param partitions the partitions of {@code kv.events}: a key's record belongs to {@code Topics.partitionOf} of them */
    public Applier(ByteStore store, int partitions, Duration dedupeWindow) {
        this.store = Objects.requireNonNull(store, "store");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: must be >= 1, got " + partitions);
        }
        this.partitions = partitions;
        if (dedupeWindow.isNegative()) {
            throw new IllegalArgumentException("dedupeWindow: must be >= 0, got " + dedupeWindow);
        }
        this.windowMs = dedupeWindow.toMillis();
    }

    /** What {@link #apply} did with a record. */
    public sealed interface Result permits Decided, AlreadyApplied, Malformed {
    }

    /**
     * The event was decided: applied, precondition failed, too large (stored) or a duplicate (not
     * stored). {@code change} is what it changed, null if nothing (all but an applied Insert or
     * Append, or a Remove of a present key).
     */
    public record Decided(Outcome outcome, Change change) implements Result {
    }

    /** The event had been applied before (re-processing); nothing changed. */
    public record AlreadyApplied(long offset, String reason) implements Result {
    }

    /** The record is not a valid event; it was skipped and nothing but progress changed. */
    public record Malformed(long offset, String error) implements Result {
    }

    /**
     * Applies one record with a key; never throws for bad input (only if the store does).
     *
     * @throws IllegalArgumentException if the record has no key (see the class comment)
     */
    public Result apply(LogRecord record) {
        if (record.key() == null) {
            throw new IllegalArgumentException("record " + record.partition() + "@" + record.offset()
                    + " has no key: skip it before the applier");
        }
        int partition = record.partition();
        long offset = record.offset();
        Progress before = progress(partition);
        if (before != null && offset <= before.offset()) {
            return new AlreadyApplied(offset, "partition " + partition + " applied up to offset " + before.offset());
        }
        long logTime = Math.max(before == null ? 0 : before.logTime(), Math.max(0, record.timestamp()));
        List<KeyValue<byte[], byte[]>> batch = new ArrayList<>(4);
        Result result = decide(record, logTime, batch);
        Progress after = new Progress(offset, logTime);
        batch.add(KeyValue.pair(StoreLayout.position(partition), StoreLayout.encodeProgress(after)));
        store.write(batch);
        progress.put(partition, after);
        if (offset % PURGE_EVERY == 0) {
            purge(partition, logTime);
        }
        return result;
    }

    /** The stored progress of {@code partition}, null before its first event. */
    public Progress progress(int partition) {
        Progress known = progress.get(partition);
        if (known == null) {
            byte[] stored = store.get(StoreLayout.position(partition));
            known = stored == null ? null : StoreLayout.decodeProgress(stored);
            if (known != null) {
                progress.put(partition, known);
            }
        }
        return known;
    }

    /** Whether an outcome no longer deduplicates its id at log time {@code logTime}. */
    public boolean expired(Outcome outcome, long logTime) {
        return logTime - outcome.logTime() >= windowMs;
    }

    private Result decide(LogRecord record, long logTime, List<KeyValue<byte[], byte[]>> batch) {
        long offset = record.offset();
        int partition = record.partition();
        String key;
        try {
            key = Validation.key(record.key());
        } catch (IllegalArgumentException e) {
            return new Malformed(offset, e.getMessage());
        }
        int home = Topics.partitionOf(key, partitions);
        if (home != partition) {
            // another partitioner (librdkafka's CRC32, a chosen partition): versions, ids and reads
            // of the key all live in its own partition, so an event elsewhere cannot apply
            return new Malformed(offset, "key " + Validation.quote(key) + " belongs in partition " + home + " of "
                    + partitions + " (murmur2 of its bytes, Kafka's default partitioner), not " + partition);
        }
        EventCodec.Decoded decoded = EventCodec.decode(record.value());
        if (decoded instanceof EventCodec.Invalid invalid) {
            return new Malformed(offset, invalid.error());
        }
        Event event = ((EventCodec.Valid) decoded).event();
        String id = event.id();
        if (id != null) {
            byte[] stored = store.get(StoreLayout.outcome(partition, id));
            Outcome first = stored == null ? null : OutcomeCodec.decode(stored);
            if (first != null && !expired(first, logTime)) {
                return new Decided(first.duplicateAt(key, offset, logTime), null);
            }
        }

        byte[] entryKey = StoreLayout.entry(key);
        byte[] storedEntry = store.get(entryKey);
        Entry current = storedEntry == null ? null : EntryCodec.decode(storedEntry);
        long currentVersion = current == null ? 0 : current.version();
        String currentValue = current == null ? "" : current.value();
        Outcome outcome;
        Change change = null;
        if (event.expect() != null && !event.expect().holdsFor(current != null, currentVersion)) {
            outcome = Outcome.preconditionFailed(outcomeId(event, offset), key, offset, currentVersion, logTime);
        } else if (event.type() == EventType.Append
                && utf8Bytes(currentValue) + utf8Bytes(event.value()) > Validation.MAX_STORED_VALUE_BYTES) {
            outcome = Outcome.tooLarge(outcomeId(event, offset), key, offset, currentVersion, logTime);
        } else {
            long version = Entry.versionAt(offset);
            switch (event.type()) {
                case Insert -> batch.add(KeyValue.pair(entryKey, EntryCodec.encode(new Entry(event.value(), version))));
                case Append -> batch.add(KeyValue.pair(entryKey,
                        EntryCodec.encode(new Entry(currentValue + event.value(), version))));
                case Remove -> {
                    if (current != null) {
                        batch.add(KeyValue.pair(entryKey, null));
                    }
                    version = 0;
                }
            }
            String appended = event.type() == EventType.Append ? currentValue + event.value() : null;
            outcome = Outcome.applied(outcomeId(event, offset), key, offset, version, appended, logTime);
            if (event.type() != EventType.Remove || current != null) {
                Change.Type type = switch (event.type()) {
                    case Insert -> Change.Type.PUT;
                    case Append -> Change.Type.APPEND;
                    case Remove -> Change.Type.DELETE;
                };
                long time = Math.max(0, record.timestamp());
                change = new Change(partition, offset, key, type, event.value(), id, time);
                batch.add(KeyValue.pair(StoreLayout.history(key, change.version()),
                        StoreLayout.encodeRevision(type, time)));
            }
        }
        if (id != null) {
            batch.add(KeyValue.pair(StoreLayout.outcome(partition, id), OutcomeCodec.encode(outcome)));
            batch.add(KeyValue.pair(StoreLayout.expiry(partition, logTime, id), new byte[0]));
        }
        return new Decided(outcome, change);
    }

    /** The id an outcome is reported under: the event's, or (never stored) one naming its position. */
    private static String outcomeId(Event event, long offset) {
        return event.id() != null ? event.id() : "offset-" + offset;
    }

    /** Deletes up to {@link #PURGE_MAX} outcomes of {@code partition} that are past the window at {@code logTime}. */
    private void purge(int partition, long logTime) {
        List<KeyValue<byte[], byte[]>> batch = new ArrayList<>();
        try (ByteStore.Range expiring = store.range(StoreLayout.start((byte) 3, partition),
                StoreLayout.end((byte) 3, partition))) {
            while (expiring.hasNext() && batch.size() < 2 * PURGE_MAX) {
                Map.Entry<byte[], byte[]> next = expiring.next();
                long outcomeTime = StoreLayout.expiryLogTime(next.getKey());
                if (logTime - outcomeTime < windowMs) {
                    break; // oldest first: the rest are younger
                }
                batch.add(KeyValue.pair(next.getKey(), null));
                String id = StoreLayout.expiryId(next.getKey());
                byte[] outcomeKey = StoreLayout.outcome(partition, id);
                byte[] stored = store.get(outcomeKey);
                // the id may have been applied anew after it expired: keep that younger outcome
                if (stored != null && OutcomeCodec.decode(stored).logTime() == outcomeTime) {
                    batch.add(KeyValue.pair(outcomeKey, null));
                }
            }
        }
        if (!batch.isEmpty()) {
            store.write(batch);
        }
    }

    private static long utf8Bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
