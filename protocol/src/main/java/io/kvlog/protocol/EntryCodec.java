package io.kvlog.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The stored form of an {@link Entry}: compact binary, because entries are written on every
 * change and hold values of up to 1 MiB that JSON would have to escape.
 *
 * <pre>
 * byte 0      format, 2
 * bytes 1-8   version, big-endian
 * bytes 9-    the value's UTF-8 bytes
 * </pre>
 * The encoding is deterministic (digests hash it).
 */
public final class EntryCodec {

    private static final byte FORMAT = 2;
    private static final int HEADER = 9;

    private EntryCodec() {
    }

    public static byte[] encode(Entry entry) {
        byte[] value = entry.value().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(HEADER + value.length).put(FORMAT).putLong(entry.version()).put(value).array();
    }

    /**
     * Decodes what {@link #encode} wrote.
     *
     * @throws IllegalArgumentException if the bytes are not an entry
     */
    public static Entry decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER || bytes[0] != FORMAT) {
            throw new IllegalArgumentException("entry: must start with format " + FORMAT + " and a "
                    + HEADER + "-byte header, got " + (bytes == null ? "null" : bytes.length + " bytes"));
        }
        long version = ByteBuffer.wrap(bytes, 1, 8).getLong();
        return new Entry(new String(bytes, HEADER, bytes.length - HEADER, StandardCharsets.UTF_8), version);
    }
}
