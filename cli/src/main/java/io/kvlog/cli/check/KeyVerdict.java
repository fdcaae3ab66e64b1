package io.kvlog.cli.check;

/**
 * The verdict on one key's sub-history.
 *
 * @param operations  the operations checked: FAIL ones and UNKNOWN reads are dropped before checking
 * @param explanation one line for LINEARIZABLE; for NOT_LINEARIZABLE the longest linearizable prefix found and the
 *                    operations that could not be placed after it; for UNKNOWN how far the search got
 */
public record KeyVerdict(String key, Verdict verdict, int operations, String explanation) {
}
