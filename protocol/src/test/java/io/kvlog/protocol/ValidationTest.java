package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ValidationTest {

    @Test
    void idOutsideTheAlphabetIsRejectedQuotingIt() {
        // Given an id with a space
        // When it is validated
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Validation.id("a b"));
        // Then the message names the field, the rule and the bad input
        assertEquals("id: must be 1-128 chars of [A-Za-z0-9._:-], got 'a b'", e.getMessage());
    }

    @Test
    void idsOfEveryAllowedCharacterAndLengthPass() {
        assertEquals("A-z_0.9:x", Validation.id("A-z_0.9:x"));
        assertEquals("x".repeat(128), Validation.id("x".repeat(128)));
        assertThrows(IllegalArgumentException.class, () -> Validation.id("x".repeat(129)));
        assertThrows(IllegalArgumentException.class, () -> Validation.id(""));
        assertThrows(IllegalArgumentException.class, () -> Validation.id("é"));
    }

    @Test
    void keyLimitIsCountedInUtf8Bytes() {
        // Given keys of 1024 and 1025 bytes, one of them made of 2-byte characters
        String exact = "é".repeat(512);
        String over = exact + "a";
        // Then the first passes and the second is rejected with its size
        assertEquals(exact, Validation.key(exact));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Validation.key(over));
        assertTrue(e.getMessage().startsWith("key: must be 1-1024 bytes of UTF-8, got 1025 bytes: 'éé"), e.getMessage());
        assertTrue(e.getMessage().contains("…' (513 chars)"), "long input is truncated: " + e.getMessage());
    }

    @Test
    void keyWithAControlCharacterIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Validation.key("a\tb"));
        assertEquals("key: must not contain control characters, got U+0009 at index 1 in 'a\\u0009b'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Validation.key(""));
        assertThrows(IllegalArgumentException.class, () -> Validation.key("\u0000progress"));
    }

    @Test
    void keyBytesMustBeValidUtf8() {
        byte[] invalid = {'a', (byte) 0xC3};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Validation.key(invalid));
        assertTrue(e.getMessage().startsWith("key: must be valid UTF-8"), e.getMessage());
        assertEquals("ü", Validation.key("ü".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void valueOverTheLimitIsRejectedAndEmptyValuePasses() {
        assertEquals("", Validation.value("", 4));
        assertEquals("abcd", Validation.value("abcd", 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Validation.value("abcde", 4));
        assertEquals("value: must be at most 4 bytes of UTF-8, got 5 bytes: 'abcde'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Validation.value(new byte[5], 4));
        assertThrows(IllegalArgumentException.class, () -> Validation.value("\uD800", 4), "unpaired surrogate");
    }
}
