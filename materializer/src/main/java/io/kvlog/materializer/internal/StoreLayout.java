package io.kvlog.materializer.internal;

import io.kvlog.materializer.Progress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * How one node's copy lays out everything in its one store, the one place that knows. Keys
 * start with a tag byte, so each kind sorts in its own range, in unsigned byte order:
 *
 * <pre>
 * 0x00 partition                       → {@link Progress} of the partition (16 bytes)
 * 0x01 user key (UTF-8)                → {@link io.kvlog.protocol.EntryCodec entry}
 * 0x02 partition id (UTF-8)            → {@link io.kvlog.protocol.OutcomeCodec outcome}
 * 0x03 partition logTime id (UTF-8)    → empty: the outcome's expiry index, oldest first
 * </pre>
 * Partitions are 4 bytes and log times 8 bytes, big-endian. Entries carry no partition, so a
 * scan reads keys in order with one iterator; a key's partition is {@code Topics.partitionOf}.
 * A range of one tag and partition ends at {@link #end} (the tag and the next partition): no
 * stored key equals it, since each is longer.
 */
public final class StoreLayout {

    static final byte POSITION = 0;
    static final byte ENTRY = 1;
    static final byte OUTCOME = 2;
    static final byte EXPIRY = 3;

    private StoreLayout() {
    }

    public static byte[] position(int partition) {
        return ByteBuffer.allocate(5).put(POSITION).putInt(partition).array();
    }

    public static byte[] entry(String key) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + utf8.length).put(ENTRY).put(utf8).array();
    }

    public static byte[] outcome(int partition, String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + utf8.length).put(OUTCOME).putInt(partition).put(utf8).array();
    }

    public static byte[] expiry(int partition, long logTime, String id) {
        byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(13 + utf8.length).put(EXPIRY).putInt(partition).putLong(logTime).put(utf8).array();
    }

    /** The first key of {@code tag}'s range for {@code partition}. */
    public static byte[] start(byte tag, int partition) {
        return ByteBuffer.allocate(5).put(tag).putInt(partition).array();
    }

    /** Just past the last key of {@code tag}'s range for {@code partition} (no key equals it). */
    public static byte[] end(byte tag, int partition) {
        return ByteBuffer.allocate(5).put(tag).putInt(partition + 1).array();
    }

    /** The first entry key, and just past the last. */
    public static byte[] entriesStart() {
        return new byte[] {ENTRY};
    }

    public static byte[] entriesEnd() {
        return new byte[] {OUTCOME};
    }

    public static byte tag(byte[] key) {
        return key[0];
    }

    public static int partitionOf(byte[] key) {
        return ByteBuffer.wrap(key, 1, 4).getInt();
    }

    /** The user key of an entry key. */
    public static String userKey(byte[] entryKey) {
        return new String(entryKey, 1, entryKey.length - 1, StandardCharsets.UTF_8);
    }

    /** The log time of an expiry key. */
    public static long expiryLogTime(byte[] expiryKey) {
        return ByteBuffer.wrap(expiryKey, 5, 8).getLong();
    }

    /** The id of an expiry key. */
    public static String expiryId(byte[] expiryKey) {
        return new String(expiryKey, 13, expiryKey.length - 13, StandardCharsets.UTF_8);
    }

    public static byte[] encodeProgress(Progress progress) {
        return ByteBuffer.allocate(16).putLong(progress.offset()).putLong(progress.logTime()).array();
    }

    public static Progress decodeProgress(byte[] bytes) {
        if (bytes == null || bytes.length != 16) {
            throw new IllegalArgumentException("progress: must be 16 bytes, got "
                    + (bytes == null ? "null" : bytes.length + " bytes"));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new Progress(buffer.getLong(), buffer.getLong());
    }
}
