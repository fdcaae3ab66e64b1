package io.kvlog.protocol;

/**
 * A position in the log that a client passes back ({@code after=TOKEN}) so a later read waits
 * until the serving copy has applied it: read-your-writes and monotonic reads across nodes.
 *
 * <p>Text form {@code PARTITION:OFFSET}, e.g. {@code 3:1042}: the partition of {@code kv.events}
 * the key lives in and an offset in it. Every write and read reply carries one.
 *
 * @param partition partition of {@link Topics#EVENTS}
 * @param offset    offset in that partition (-1: nothing applied yet)
 */
public record Token(int partition, long offset) {

    public Token {
        if (partition < 0) {
            throw new IllegalArgumentException("token: partition must be >= 0, got " + partition);
        }
        if (offset < -1) {
            throw new IllegalArgumentException("token: offset must be >= -1, got " + offset);
        }
    }

    /**
     * Parses {@code PARTITION:OFFSET}.
     *
     * @throws IllegalArgumentException naming the bad token and the expected form
     */
    public static Token parse(String text) {
        String expected = "expected PARTITION:OFFSET as returned by a write or read, got " + Validation.quote(text);
        if (text == null) {
            throw new IllegalArgumentException("token: " + expected);
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("token: " + expected);
        }
        try {
            return new Token(Integer.parseInt(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("token: " + expected, e);
        }
    }

    @Override
    public String toString() {
        return partition + ":" + offset;
    }
}
