package io.kvlog.materializer;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what the {@link Applier} did, across all partitions of one process. Thread-safe: the
 * applying thread counts into it; readers see totals since start.
 */
public final class ApplyCounters {

    private final LongAdder applied = new LongAdder();
    private final LongAdder preconditionFailed = new LongAdder();
    private final LongAdder tooLarge = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder alreadyApplied = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder noKey = new LongAdder();
    private final LongAdder failed = new LongAdder();

    /** Counts one result. */
    public void count(Applier.Result result) {
        if (result instanceof Applier.Decided decided) {
            switch (decided.outcome().status()) {
                case APPLIED -> applied.increment();
                case PRECONDITION_FAILED -> preconditionFailed.increment();
                case TOO_LARGE -> tooLarge.increment();
                case DUPLICATE -> duplicates.increment();
            }
        } else if (result instanceof Applier.AlreadyApplied) {
            alreadyApplied.increment();
        } else {
            malformed.increment();
        }
    }

    /** Counts a record without a key, skipped (as a restore skips it). */
    public void countNoKey() {
        noKey.increment();
    }

    /** Counts a record the store failed to take. */
    public void countFailed() {
        failed.increment();
    }

    /** Records without a key, skipped. */
    public long noKey() {
        return noKey.sum();
    }

    /** Records the store failed to take (after the first, the copy stops applying). */
    public long failed() {
        return failed.sum();
    }

    /** Events applied. */
    public long applied() {
        return applied.sum();
    }

    /** Events whose condition failed. */
    public long preconditionFailed() {
        return preconditionFailed.sum();
    }

    /** Appends refused because the value would grow past the stored-value limit. */
    public long tooLarge() {
        return tooLarge.sum();
    }

    /** Events skipped as duplicates of an id within the dedupe window. */
    public long duplicates() {
        return duplicates.sum();
    }

    /** Events seen again after a crash and skipped as already applied. */
    public long alreadyApplied() {
        return alreadyApplied.sum();
    }

    /** Records that were not valid events, skipped. */
    public long malformed() {
        return malformed.sum();
    }

    /** Every record counted. */
    public long total() {
        return applied() + preconditionFailed() + tooLarge() + duplicates() + alreadyApplied() + malformed() + noKey()
                + failed();
    }

    @Override
    public String toString() {
        return "applied=" + applied() + " preconditionFailed=" + preconditionFailed() + " tooLarge=" + tooLarge() + " duplicates=" + duplicates()
                + " alreadyApplied=" + alreadyApplied() + " malformed=" + malformed() + " noKey=" + noKey() + " failed=" + failed();
    }
}
