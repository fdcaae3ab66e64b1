package io.kvlog.query.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScanCursorTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "user:42", "ключ/с пробелом", "emoji-\uD83D\uDE00", "x?&=#%"})
    void aCursorNamesItsKey(String key) {
        String cursor = ScanCursor.encode(key);

        assertEquals(key, ScanCursor.decode(cursor));
        assertTrue(cursor.matches("[A-Za-z0-9_-]+"), "URL-safe: " + cursor);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "!!!", "AQ", "Ag", "AsOo"})
    void anythingElseIsRejectedNamingTheCursor(String bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScanCursor.decode(bad));

        assertTrue(e.getMessage().startsWith("cursor: "), e.getMessage());
        assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }

    @Test
    void aCursorDoesNotShowItsKeyInClear() {
        assertFalse(ScanCursor.encode("secret").contains("secret"));
    }
}
