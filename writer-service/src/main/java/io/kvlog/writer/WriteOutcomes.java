package io.kvlog.writer;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the replies of this node's writes by outcome, since start: what {@code /metrics} exports
 * as {@code kvlog_writes_total{outcome=…}}. Thread-safe; counted once per write, when its reply is
 * decided (a request refused as bad input before it became a write is not counted here).
 */
public final class WriteOutcomes {

    private final LongAdder acked = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder preconditionFailed = new LongAdder();
    private final LongAdder tooLarge = new LongAdder();
    private final LongAdder refused = new LongAdder();

    /** Counts a reply by its status: 200 acked, 412 precondition failed, 413 too large, 503 refused, other failed. */
    void count(int status) {
        switch (status) {
            case 200 -> acked.increment();
            case 412 -> preconditionFailed.increment();
            case 413 -> tooLarge.increment();
            case 503 -> refused.increment();
            default -> failed.increment();
        }
    }

    /** Writes answered {@code OperationAck}. */
    public long acked() {
        return acked.sum();
    }

    /** Writes answered {@code OperationFailed} (not confirmed by the deadline: outcome unknown). */
    public long failed() {
        return failed.sum();
    }

    /** Conditional writes whose condition did not hold when applied. */
    public long preconditionFailed() {
        return preconditionFailed.sum();
    }

    /** Appends refused at apply because the value would grow too large. */
    public long tooLarge() {
        return tooLarge.sum();
    }

    /** Writes refused before the append: too many in flight, or no materializer for the ack level asked. */
    public long refused() {
        return refused.sum();
    }
}
