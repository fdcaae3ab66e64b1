package io.kvlog.cli.check;

/** Operations and values as explanations show them, with times in milliseconds since the history's first call. */
final class OpText {

    private static final int MAX_VALUE_CHARS = 48;

    private OpText() {
    }

    /** E.g. {@code #17 p2 GET -> 'v3' [12.345, 13.001 ms]} or {@code #18 p1 PUT 'v4' [13.100 ms, open) unknown}. */
    static String op(HistoryEntry e, long originNanos) {
        StringBuilder text = new StringBuilder("#").append(e.id()).append(" p").append(e.process()).append(' ').append(e.kind());
        if (e.value() != null) {
            text.append(' ').append(value(e.value()));
        }
        if (e.outcome() == OpOutcome.OK && (e.kind() == OpKind.GET || e.kind() == OpKind.APPEND && e.observed() != null)) {
            text.append(" -> ").append(value(e.observed()));
        }
        text.append(" [").append(millis(e.callNanos(), originNanos));
        if (e.returnNanos() == HistoryEntry.OPEN) {
            text.append(" ms, open)");
        } else {
            text.append(", ").append(millis(e.returnNanos(), originNanos)).append(" ms]");
        }
        if (e.outcome() != OpOutcome.OK) {
            text.append(' ').append(e.outcome().name().toLowerCase());
        }
        return text.toString();
    }

    /** 'text' (shortened when long, with its length), or "absent" for null. */
    static String value(String value) {
        if (value == null) {
            return "absent";
        }
        if (value.length() <= MAX_VALUE_CHARS) {
            return "'" + value + "'";
        }
        int half = MAX_VALUE_CHARS / 2;
        return "'" + value.substring(0, half) + "…" + value.substring(value.length() - half) + "' (" + value.length() + " chars)";
    }

    static String millis(long nanos, long originNanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", (nanos - originNanos) / 1e6);
    }
}
