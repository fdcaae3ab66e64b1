package io.kvlog.materializer.internal;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;

/**
 * A sorted map of bytes in unsigned byte order: the node's RocksDB store, or a sorted map in
 * memory for a replay. Both hold exactly the same bytes for the same events, which is what
 * makes digests comparable.
 */
public interface ByteStore {

    byte[] get(byte[] key);

    /** Writes the pairs in order, as one batch; a null value deletes the key. */
    void write(List<KeyValue<byte[], byte[]>> batch);

    /**
     * The pairs with keys from {@code from} to {@code to}, both inclusive (null: unbounded), in
     * key order, as of one point in time. The caller closes it.
     */
    Range range(byte[] from, byte[] to);

    /** As {@link #range}, in reverse key order (from {@code to} down to {@code from}). */
    Range reverseRange(byte[] from, byte[] to);

    /** An open iteration: close it (it may hold a native iterator). */
    interface Range extends Iterator<Map.Entry<byte[], byte[]>>, AutoCloseable {
        @Override
        void close();

        /** A range over {@code pairs}, each turned into bytes by {@code bytes}; closing it runs {@code close}. */
        static <T> Range of(Iterator<T> pairs, java.util.function.Function<T, Map.Entry<byte[], byte[]>> bytes,
                            Runnable close) {
            return new Range() {
                @Override
                public boolean hasNext() {
                    return pairs.hasNext();
                }

                @Override
                public Map.Entry<byte[], byte[]> next() {
                    return bytes.apply(pairs.next());
                }

                @Override
                public void close() {
                    close.run();
                }
            };
        }
    }
}
