package io.kvlog.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The stored form of an {@link Entry}: compact binary, because entries are written on every
 * change and hold values of up to 1 MiB that JSON would have to escape.
 *
 * <pre>
 * byte 0      format, 1
 * byte 1      flags: bit 0 = deleted
 * bytes 2-9   version, big-endian
 * bytes 10-   the value's UTF-8 bytes (none for a tombstone)
 * </pre>
 * The encoding is deterministic (digests hash it).
 */
public final class EntryCodec {

    private static final byte FORMAT = 1;
    private static final byte DELETED = 1;
    private static final int HEADER = 10;

    private EntryCodec() {
    }

    public static byte[] encode(Entry entry) {
        byte[] value = entry.deleted() ? new byte[0] : entry.value().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(HEADER + value.length)
                .put(FORMAT)
                .put(entry.deleted() ? DELETED : 0)
                .putLong(entry.version())
                .put(value)
                .array();
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
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        buffer.get();
        boolean deleted = (buffer.get() & DELETED) != 0;
        long version = buffer.getLong();
        if (deleted) {
            return Entry.tombstone(version);
        }
        return Entry.present(new String(bytes, HEADER, bytes.length - HEADER, StandardCharsets.UTF_8), version);
    }
}
