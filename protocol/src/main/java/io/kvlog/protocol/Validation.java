package io.kvlog.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks user input against DESIGN.md: keys, values and ids. Shared by the writer (before
 * anything reaches the log), the query service and the event decoder (for what is read back).
 *
 * <p>Every check throws {@link IllegalArgumentException} whose message names what was
 * expected and quotes the bad input, truncated to {@value #QUOTE_LIMIT} characters.
 */
public final class Validation {

    /** Largest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 1024;

    /** Largest id, in characters (all ASCII). */
    public static final int MAX_ID_CHARS = 128;

    /** Default of {@code max-value-bytes}: 1 MiB of UTF-8. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

    /**
     * Largest value the materializer stores, in UTF-8 bytes, whatever a node's max-value-bytes:
     * an Append that would grow a value past it is refused when applied. Fixed, so every copy
     * and every replay decides the same.
     */
    public static final int MAX_STORED_VALUE_BYTES = DEFAULT_MAX_VALUE_BYTES;

    /** How much of a bad input an error message quotes. */
    static final int QUOTE_LIMIT = 64;

    private Validation() {
    }

    /**
     * Checks a key: 1-{@value #MAX_KEY_BYTES} bytes of UTF-8, no control characters.
     *
     * @return the key, unchanged
     */
    public static String key(String key) {
        if (key == null) {
            throw new IllegalArgumentException("key: must be 1-" + MAX_KEY_BYTES + " bytes of UTF-8, got null");
        }
        int bytes = utf8Length(key, "key");
        if (bytes < 1 || bytes > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key: must be 1-" + MAX_KEY_BYTES + " bytes of UTF-8, got "
                    + bytes + " bytes: " + quote(key));
        }
        for (int i = 0; i < key.length(); ) {
            int cp = key.codePointAt(i);
            if (Character.isISOControl(cp)) {
                throw new IllegalArgumentException("key: must not contain control characters, got U+"
                        + String.format("%04X", cp) + " at index " + i + " in " + quote(key));
            }
            i += Character.charCount(cp);
        }
        return key;
    }

    /** Decodes a key from its UTF-8 bytes (a record key on the log) and checks it like {@link #key(String)}. */
    public static String key(byte[] utf8) {
        if (utf8 == null) {
            throw new IllegalArgumentException("key: must be 1-" + MAX_KEY_BYTES + " bytes of UTF-8, got null");
        }
        return key(decodeUtf8(utf8, "key"));
    }

    /**
     * Checks a value: valid UTF-8 of at most {@code maxValueBytes} bytes (empty is allowed).
     *
     * @return the value, unchanged
     */
    public static String value(String value, int maxValueBytes) {
        if (value == null) {
            throw new IllegalArgumentException("value: must be UTF-8 text, got null");
        }
        int bytes = utf8Length(value, "value");
        if (bytes > maxValueBytes) {
            throw new IllegalArgumentException("value: must be at most " + maxValueBytes + " bytes of UTF-8, got "
                    + bytes + " bytes: " + quote(value));
        }
        return value;
    }

    /** Decodes a value from UTF-8 bytes (a request body) and checks it like {@link #value(String, int)}. */
    public static String value(byte[] utf8, int maxValueBytes) {
        if (utf8 == null) {
            throw new IllegalArgumentException("value: must be UTF-8 text, got null");
        }
        if (utf8.length > maxValueBytes) {
            // checked before decoding so an oversized body costs no decoding
            throw new IllegalArgumentException("value: must be at most " + maxValueBytes + " bytes of UTF-8, got "
                    + utf8.length + " bytes");
        }
        return decodeUtf8(utf8, "value");
    }

    /**
     * Checks an id: 1-{@value #MAX_ID_CHARS} characters of {@code [A-Za-z0-9._:-]}.
     *
     * @return the id, unchanged
     */
    public static String id(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_CHARS || !idChars(id)) {
            throw new IllegalArgumentException("id: must be 1-" + MAX_ID_CHARS + " chars of [A-Za-z0-9._:-], got "
                    + (id == null ? "null" : quote(id)));
        }
        return id;
    }

    /**
     * Quotes user input for an error message: single quotes, control characters escaped as
     * backslash-u and four hex digits (messages end up in logs), at most {@value #QUOTE_LIMIT} chars, then "…".
     */
    public static String quote(String input) {
        if (input == null) {
            return "null";
        }
        int end = Math.min(input.length(), QUOTE_LIMIT);
        if (end < input.length() && Character.isHighSurrogate(input.charAt(end - 1))) {
            end--; // never cut a surrogate pair in two
        }
        StringBuilder quoted = new StringBuilder(end + 16).append('\'');
        for (int i = 0; i < end; i++) {
            char c = input.charAt(i);
            if (Character.isISOControl(c)) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        quoted.append('\'');
        if (end < input.length()) {
            quoted.insert(quoted.length() - 1, '…').append(" (").append(input.length()).append(" chars)");
        }
        return quoted.toString();
    }

    private static boolean idChars(String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Length in UTF-8 bytes; rejects unpaired surrogates, which have no UTF-8 form. */
    private static int utf8Length(String s, String field) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(field + ": must be valid UTF-8 text, got an unpaired surrogate at index "
                        + i + " in " + quote(s));
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static String decodeUtf8(byte[] utf8, String field) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(field + ": must be valid UTF-8, got " + utf8.length
                    + " bytes that are not: " + quote(new String(utf8, StandardCharsets.UTF_8)), e);
        }
    }
}
