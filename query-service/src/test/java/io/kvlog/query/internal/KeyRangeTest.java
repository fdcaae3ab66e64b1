package io.kvlog.query.internal;

import io.kvlog.protocol.KeyOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyRangeTest {

    private static final String MAX = new String(Character.toChars(Character.MAX_CODE_POINT));

    @Test
    void prefixEndIncrementsTheLastCodePoint() {
        assertEquals("ac", KeyRange.prefixEnd("ab"));
        assertEquals("user;", KeyRange.prefixEnd("user:"));
        assertEquals("a" + new String(Character.toChars(0x10000)), KeyRange.prefixEnd("a\uFFFF"));
        assertEquals("\uE000", KeyRange.prefixEnd("\uD7FF"), "surrogates are skipped");
        assertEquals("b", KeyRange.prefixEnd("a" + MAX));
        assertNull(KeyRange.prefixEnd(MAX + MAX));
    }

    @Test
    void aPrefixRangeHoldsExactlyTheKeysWithThePrefix() {
        KeyRange range = KeyRange.of("user:", null, null, null);

        assertTrue(range.contains("user:"));
        assertTrue(range.contains("user:zzz"));
        assertTrue(range.contains("user:" + MAX));
        assertFalse(range.contains("user"));
        assertFalse(range.contains("user;"));
        assertTrue(range.beyond("user;"));
        assertFalse(range.contains("users"));
    }

    @Test
    void startEndAndPrefixNarrowEachOther() {
        KeyRange range = KeyRange.of("k", "k5", "k7", null);

        assertEquals(new KeyRange("k5", false, "k7"), range);
        assertEquals(new KeyRange("k", false, "l"), KeyRange.of("k", "a", "z", null));
        assertEquals(new KeyRange("b", false, "c"), KeyRange.of(null, "b", "c", null));
        assertEquals(KeyRange.ALL, KeyRange.of("", null, null, null));
    }

    @Test
    void aCursorContinuesAfterItsKey() {
        KeyRange range = KeyRange.of("k", null, null, "k3");

        assertEquals(new KeyRange("k3", true, "l"), range);
        assertFalse(range.contains("k3"));
        assertTrue(range.contains("k30"));
    }

    @Test
    void aCursorBeforeTheStartDoesNotWidenTheRange() {
        assertEquals(new KeyRange("m", false, null), KeyRange.of(null, "m", null, "a"));
    }

    @Test
    void keysOutsideTheBmpSortAfterTheWholeBmp() {
        String emoji = new String(Character.toChars(0x1F600));
        KeyRange upToEmoji = KeyRange.of(null, null, emoji, null);

        assertTrue(upToEmoji.contains("\uFFFD"), "U+FFFD sorts before U+1F600 in UTF-8 byte order");
        assertTrue(KeyOrder.INSTANCE.compare("\uFFFD", emoji) < 0);
        assertTrue("\uFFFD".compareTo(emoji) > 0, "String.compareTo would get it wrong");
    }

    @Test
    void aRangeWithinAPrincipalsPrefixesIsItsPartsUnderThem() {
        // Given a scan of [b, p) continuing after b3, and a principal who may read a/, b/ and o/
        KeyRange scan = new KeyRange("b3", true, "p");

        // When it is cut to the prefixes
        java.util.List<KeyRange> parts = scan.within(java.util.List.of("a/", "b", "o/"));

        // Then the parts are the range under each prefix it meets, in key order, the cursor kept
        assertEquals(java.util.List.of(new KeyRange("b3", true, "c"), new KeyRange("o/", false, "o0")), parts);
        assertTrue(scan.within(java.util.List.of("q/")).isEmpty());
        assertEquals(java.util.List.of(scan), scan.within(java.util.List.of("")), "the prefix \"\" is every key");
    }

    @Test
    void rangesThatDoNotOverlapHaveNoIntersection() {
        assertEquals(null, new KeyRange("a", false, "b").intersect(new KeyRange("b", false, "c")));
        assertEquals(new KeyRange("b", true, "c"), new KeyRange("b", true, null).intersect(new KeyRange("b", false, "c")));
    }
}
