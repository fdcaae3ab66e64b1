package io.kvlog.materializer.internal;

import io.kvlog.materializer.Change;
import io.kvlog.materializer.Progress;
import io.kvlog.materializer.Revision;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
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
 * 0x04 user key (UTF-8) 0x00 version   → {@link Revision}: type ('P', 'D', 'A') and record time (8 bytes);
 *                                        a key's history, oldest first, never purged
 * 0x05                                 → the layout's version (1 byte, {@value #LAYOUT_VERSION})
 * </pre>
 * Partitions are 4 bytes and log times 8 bytes, big-endian. Entries carry no partition, so a
 * scan reads keys in order with one iterator; a key's partition is {@code Topics.partitionOf}.
 * A range of one tag and partition ends at {@link #end} (the tag and the next partition): no
 * stored key equals it, since each is longer. Keys hold no control characters, so the 0x00
 * after a key in a history row ends it: the rows of key {@code K} are exactly those from
 * {@code 0x04 K 0x00} to {@code 0x04 K 0x01}.
 */
public final class StoreLayout {

    static final byte POSITION = 0;
    static final byte ENTRY = 1;
    static final byte OUTCOME = 2;
    static final byte EXPIRY = 3;
    static final byte HISTORY = 4;
    static final byte LAYOUT = 5;
    /** 3: history rows (2: version 2 without them). A copy in another layout must be rebuilt. */
    public static final byte LAYOUT_VERSION = 3;

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

    /** The history row of {@code key} at {@code version}. */
    public static byte[] history(String key, long version) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(utf8.length + 10).put(HISTORY).put(utf8).put((byte) 0).putLong(version).array();
    }

    /** Just before the first history row of {@code key}. */
    public static byte[] historyStart(String key) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(utf8.length + 2).put(HISTORY).put(utf8).put((byte) 0).array();
    }

    /** Just past the last history row of {@code key} (no row equals it). */
    public static byte[] historyEnd(String key) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(utf8.length + 2).put(HISTORY).put(utf8).put((byte) 1).array();
    }

    /** The user key of a history row's key. */
    public static String historyUserKey(byte[] historyKey) {
        return new String(historyKey, 1, historyKey.length - 10, StandardCharsets.UTF_8);
    }

    /** A history row's value. */
    public static byte[] encodeRevision(Change.Type type, long time) {
        byte code = switch (type) {
            case PUT -> 'P';
            case DELETE -> 'D';
            case APPEND -> 'A';
        };
        return ByteBuffer.allocate(9).put(code).putLong(time).array();
    }

    /** The revision a history row holds. */
    public static Revision decodeRevision(byte[] historyKey, byte[] value) {
        if (value == null || value.length != 9) {
            throw new IllegalArgumentException("history row: must be a type byte and 8 bytes of time, got "
                    + (value == null ? "null" : value.length + " bytes"));
        }
        ByteBuffer buffer = ByteBuffer.wrap(value);
        byte code = buffer.get();
        Change.Type type = switch (code) {
            case 'P' -> Change.Type.PUT;
            case 'D' -> Change.Type.DELETE;
            case 'A' -> Change.Type.APPEND;
            default -> throw new IllegalArgumentException("history row: type must be P, D or A, got " + code);
        };
        long version = ByteBuffer.wrap(historyKey, historyKey.length - 8, 8).getLong();
        return new Revision(version, type, buffer.getLong());
    }

    /** The key of the layout's version. */
    public static byte[] layout() {
        return new byte[] {LAYOUT};
    }

    /**
     * Marks an empty store with this layout's version, or checks that a store holds it.
     *
     * @throws IllegalStateException if the store holds data in another layout (an older kvlog's,
     *                               without history rows), naming what to do
     */
    public static void checkOrMark(ByteStore store) {
        byte[] layout = store.get(layout());
        if (layout != null && layout.length == 1 && layout[0] == LAYOUT_VERSION) {
            return;
        }
        boolean empty;
        try (ByteStore.Range any = store.range(null, null)) {
            empty = !any.hasNext();
        }
        if (empty) {
            store.write(List.of(KeyValue.pair(layout(), new byte[] {LAYOUT_VERSION})));
            return;
        }
        throw new IllegalStateException("this copy's store has layout "
                + (layout == null ? "2 (no history)" : Arrays.toString(layout)) + ", this kvlog needs "
                + LAYOUT_VERSION + ": rebuild the node (kv node rebuild ID) to replay the log into a new copy");
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
