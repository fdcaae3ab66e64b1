package io.kvlog.query.internal;

import io.kvlog.protocol.Validation;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code cursor} of a scan: opaque to clients, it names the last key returned, so the next
 * page continues after it. URL-safe base64 (no padding) of a version byte and the key's UTF-8.
 * A cursor does not pin a snapshot: each page reads the copies as they are then.
 */
public final class ScanCursor {

    private static final byte VERSION = 1;

    private ScanCursor() {
    }

    public static String encode(String lastKey) {
        byte[] key = lastKey.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[key.length + 1];
        bytes[0] = VERSION;
        System.arraycopy(key, 0, bytes, 1, key.length);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * The last key a cursor names.
     *
     * @throws IllegalArgumentException naming the cursor if it is not one this service made
     */
    public static String decode(String cursor) {
        String bad = "cursor: expected the cursor of a previous scan reply, got " + Validation.quote(cursor);
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(bad, e);
        }
        if (bytes.length < 2 || bytes[0] != VERSION) {
            throw new IllegalArgumentException(bad);
        }
        String key;
        try {
            key = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 1, bytes.length - 1)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(bad, e);
        }
        try {
            return Validation.key(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(bad, e);
        }
    }
}
