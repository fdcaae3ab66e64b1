package io.kvlog.query.internal;

import io.kvlog.protocol.KeyOrder;

/**
 * The keys a scan covers, in {@link KeyOrder}: from {@code from} (inclusive, or exclusive when
 * continuing after a cursor; null = the first key) up to {@code toExclusive} (null = the last).
 * A prefix becomes the range {@code [prefix, prefixEnd(prefix))}, so every copy can seek to it
 * and stop at its end rather than filter.
 */
public record KeyRange(String from, boolean fromExclusive, String toExclusive) {

    /** Every key. */
    public static final KeyRange ALL = new KeyRange(null, false, null);

    /**
     * The range of a scan request.
     *
     * @param prefix    keys starting with it (null or empty: any)
     * @param start     keys from it, inclusive (null: any)
     * @param end       keys before it, exclusive (null: any)
     * @param afterKey  the cursor's last key: keys after it only (null: first page)
     */
    public static KeyRange of(String prefix, String start, String end, String afterKey) {
        String prefixOrNull = prefix == null || prefix.isEmpty() ? null : prefix;
        String from = KeyOrder.max(start, prefixOrNull);
        boolean exclusive = false;
        if (afterKey != null && (from == null || KeyOrder.INSTANCE.compare(afterKey, from) >= 0)) {
            from = afterKey;
            exclusive = true;
        }
        String to = end;
        String prefixEnd = prefixOrNull == null ? null : prefixEnd(prefixOrNull);
        if (prefixEnd != null && (to == null || KeyOrder.INSTANCE.compare(prefixEnd, to) < 0)) {
            to = prefixEnd;
        }
        return new KeyRange(from, exclusive, to);
    }

    /**
     * The smallest string after every string that starts with {@code prefix}: the prefix with its
     * last code point incremented (code points below U+10FFFF; trailing U+10FFFF dropped first).
     * Null if there is none (the prefix is all U+10FFFF): then every key from the prefix on starts with it.
     */
    public static String prefixEnd(String prefix) {
        int end = prefix.length();
        while (end > 0) {
            int cp = prefix.codePointBefore(end);
            int start = end - Character.charCount(cp);
            if (cp < Character.MAX_CODE_POINT) {
                int next = cp + 1;
                if (next >= Character.MIN_SURROGATE && next <= Character.MAX_SURROGATE) {
                    next = Character.MAX_SURROGATE + 1; // surrogates are not code points of a valid key
                }
                return prefix.substring(0, start) + new String(Character.toChars(next));
            }
            end = start;
        }
        return null;
    }

    /** Whether {@code key} lies in the range. */
    public boolean contains(String key) {
        if (from != null) {
            int c = KeyOrder.INSTANCE.compare(key, from);
            if (c < 0 || (c == 0 && fromExclusive)) {
                return false;
            }
        }
        return toExclusive == null || KeyOrder.INSTANCE.compare(key, toExclusive) < 0;
    }

    /** Whether {@code key} lies at or beyond the end of the range. */
    public boolean beyond(String key) {
        return toExclusive != null && KeyOrder.INSTANCE.compare(key, toExclusive) >= 0;
    }

    /** The rest of this range after {@code key} (a key already returned). */
    public KeyRange after(String key) {
        return new KeyRange(key, true, toExclusive);
    }

    /** The keys in both ranges; null if none can be. */
    public KeyRange intersect(KeyRange other) {
        String lower = from;
        boolean exclusive = fromExclusive;
        if (other.from != null) {
            int c = lower == null ? -1 : KeyOrder.INSTANCE.compare(lower, other.from);
            if (c < 0) {
                lower = other.from;
                exclusive = other.fromExclusive;
            } else if (c == 0) {
                exclusive |= other.fromExclusive;
            }
        }
        String upper = toExclusive;
        if (other.toExclusive != null && (upper == null || KeyOrder.INSTANCE.compare(other.toExclusive, upper) < 0)) {
            upper = other.toExclusive;
        }
        if (lower != null && upper != null && KeyOrder.INSTANCE.compare(lower, upper) >= 0) {
            return null;
        }
        return new KeyRange(lower, exclusive, upper);
    }

    /** The parts of this range under the given prefixes (minimal, in key order, as a principal's), in key order. */
    public java.util.List<KeyRange> within(java.util.List<String> prefixes) {
        java.util.List<KeyRange> parts = new java.util.ArrayList<>();
        for (String prefix : prefixes) {
            KeyRange part = intersect(of(prefix, null, null, null));
            if (part != null) {
                parts.add(part);
            }
        }
        return parts;
    }
}
