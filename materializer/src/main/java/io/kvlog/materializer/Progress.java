package io.kvlog.materializer;

/**
 * How far a partition has been applied, stored with the state it describes (like a state
 * machine's last-applied index), so the state and its position always agree.
 *
 * @param offset  the offset of the last event applied (or skipped as malformed)
 * @param logTime the partition's log time: the largest record timestamp up to that event. It
 *                never goes back, even if record timestamps do, so dedupe decisions made on it
 *                cannot depend on whether old ids were purged.
 */
public record Progress(long offset, long logTime) {
}
