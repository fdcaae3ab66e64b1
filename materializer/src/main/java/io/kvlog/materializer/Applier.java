package io.kvlog.materializer;

import io.kvlog.protocol.Entry;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.EventType;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.Validation;
import java.time.Duration;
import java.util.Objects;

/**
 * Applies the events of one partition, in offset order, to its entries and outcomes: the
 * Semantics section of DESIGN.md as code. Pure and deterministic: the result depends only on
 * the tables and the record, never on the clock or on Kafka, so the live topology, its
 * standbys (which copy its writes) and a {@link Replayer} reach the same state at the same offset.
 *
 * <p>For an event at offset {@code o} with id {@code i} on key {@code k}, in this order:
 * <ol>
 *   <li>{@code o} at or below the partition's {@link Progress}: already applied (re-processing
 *       after a crash); nothing is written.</li>
 *   <li>Malformed (null or invalid key, undecodable event): skipped, only progress is written.</li>
 *   <li>{@code k}'s version at or above {@code o}, or an outcome of {@code i} at or after
 *       {@code o}: already applied; nothing changes.</li>
 *   <li>An outcome of {@code i} not older than the dedupe window: a {@link Outcome.Status#DUPLICATE};
 *       the first outcome stands and nothing is written but progress. Older: applied anew.</li>
 *   <li>The event's {@link io.kvlog.protocol.Expect condition} fails on {@code k}'s current state
 *       (a tombstone counts as absent, version 0): {@code PRECONDITION_FAILED} is recorded.</li>
 *   <li>An Append whose result would exceed {@link Validation#MAX_STORED_VALUE_BYTES}:
 *       {@code TOO_LARGE} is recorded and the value is unchanged.</li>
 *   <li>Otherwise it is applied at version {@code o}: Insert sets, Remove leaves a tombstone
 *       (also for an absent key), Append appends (an absent key starts empty); {@code APPLIED}
 *       is recorded.</li>
 * </ol>
 * Time is log time: the largest record timestamp so far in the partition, kept in the progress.
 * An outcome is expired once log time is {@code window} past it; because log time never goes
 * back, an outcome purged as expired would have been ignored anyway.
 *
 * <p>The re-processing rules make a replayed event a no-op as long as the two tables hold the
 * same prefix of the log, which exactly-once processing guarantees (see
 * {@link MaterializerConfig.ProcessingGuarantee}); they cannot rebuild an outcome that a crash
 * lost from one table while the other kept the event.
 *
 * <p>Not thread-safe: one applier per partition, driven by one thread.
 */
public final class Applier {

    private final EntryTable entries;
    private final OutcomeTable outcomes;
    private final long windowMs;

    public Applier(EntryTable entries, OutcomeTable outcomes, Duration dedupeWindow) {
        this.entries = Objects.requireNonNull(entries, "entries");
        this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
        if (dedupeWindow.isNegative()) {
            throw new IllegalArgumentException("dedupeWindow: must be >= 0, got " + dedupeWindow);
        }
        this.windowMs = dedupeWindow.toMillis();
    }

    /** What {@link #apply} did with a record. */
    public sealed interface Result permits Decided, AlreadyApplied, Malformed {
    }

    /** The event was decided: applied, precondition failed (both recorded) or a duplicate (not recorded). */
    public record Decided(Outcome outcome) implements Result {
    }

    /** The event had been applied before (re-processing); nothing changed. */
    public record AlreadyApplied(long offset, String reason) implements Result {
    }

    /** The record is not a valid event; it was skipped and nothing but progress changed. */
    public record Malformed(long offset, String error) implements Result {
    }

    /** Applies one record; never throws for bad input (only if a table does). */
    public Result apply(LogRecord record) {
        long offset = record.offset();
        Progress before = entries.progress();
        if (before != null && offset <= before.offset()) {
            return new AlreadyApplied(offset, "partition applied up to offset " + before.offset());
        }
        long logTime = Math.max(before == null ? 0 : before.logTime(), record.timestamp());
        Progress after = new Progress(offset, logTime);
        Result result = decide(record, logTime);
        entries.progress(after);
        outcomes.progress(after);
        return result;
    }

    /** Whether an outcome no longer deduplicates its id at log time {@code logTime}. */
    public boolean expired(Outcome outcome, long logTime) {
        return logTime - outcome.logTime() >= windowMs;
    }

    private Result decide(LogRecord record, long logTime) {
        long offset = record.offset();
        String key;
        Event event;
        try {
            key = Validation.key(record.key());
        } catch (IllegalArgumentException e) {
            return new Malformed(offset, e.getMessage());
        }
        EventCodec.Decoded decoded = EventCodec.decode(record.value());
        if (decoded instanceof EventCodec.Invalid invalid) {
            return new Malformed(offset, invalid.error());
        }
        event = ((EventCodec.Valid) decoded).event();

        Entry current = entries.get(key);
        if (current != null && current.version() >= offset) {
            return new AlreadyApplied(offset, "key at version " + current.version());
        }
        Outcome first = outcomes.get(event.id());
        if (first != null && first.offset() >= offset) {
            return new AlreadyApplied(offset, "id has an outcome at offset " + first.offset());
        }
        if (first != null && !expired(first, logTime)) {
            return new Decided(first.duplicateAt(key, offset, logTime));
        }

        boolean present = current != null && current.present();
        long currentVersion = present ? current.version() : 0;
        Outcome outcome;
        if (event.expect() != null && !event.expect().holdsFor(present, currentVersion)) {
            outcome = Outcome.preconditionFailed(event.id(), key, offset, currentVersion, logTime);
        } else if (event.type() == EventType.Append
                && utf8Bytes(present ? current.value() : "") + utf8Bytes(event.value()) > Validation.MAX_STORED_VALUE_BYTES) {
            outcome = Outcome.tooLarge(event.id(), key, offset, currentVersion, logTime);
        } else {
            Entry next = switch (event.type()) {
                case Insert -> Entry.present(event.value(), offset);
                case Remove -> Entry.tombstone(offset);
                case Append -> Entry.present((present ? current.value() : "") + event.value(), offset);
            };
            entries.put(key, next);
            String appended = switch (event.type()) {
                case Append -> next.value();
                case Insert, Remove -> null;
            };
            outcome = Outcome.applied(event.id(), key, offset, appended, logTime);
        }
        outcomes.put(event.id(), outcome);
        return new Decided(outcome);
    }

    private static long utf8Bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
