package io.kvlog.materializer.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A {@link ByteStore} over a Kafka Streams key-value store of {@link Bytes} (RocksDB): the
 * processor's writable store, or the read-only view queries get ({@link #write} then throws).
 * A range is one RocksDB iterator, which sees the store as of its creation.
 */
public final class KafkaByteStore implements ByteStore {

    private final ReadOnlyKeyValueStore<Bytes, byte[]> reads;
    private final KeyValueStore<Bytes, byte[]> writes;

    private KafkaByteStore(ReadOnlyKeyValueStore<Bytes, byte[]> reads, KeyValueStore<Bytes, byte[]> writes) {
        this.reads = reads;
        this.writes = writes;
    }

    public static KafkaByteStore writable(KeyValueStore<Bytes, byte[]> store) {
        return new KafkaByteStore(store, store);
    }

    public static KafkaByteStore readOnly(ReadOnlyKeyValueStore<Bytes, byte[]> store) {
        return new KafkaByteStore(store, null);
    }

    @Override
    public byte[] get(byte[] key) {
        return reads.get(Bytes.wrap(key));
    }

    @Override
    public void write(List<KeyValue<byte[], byte[]>> batch) {
        if (writes == null) {
            throw new UnsupportedOperationException("a read-only view of the store");
        }
        List<KeyValue<Bytes, byte[]>> wrapped = new ArrayList<>(batch.size());
        batch.forEach(kv -> wrapped.add(KeyValue.pair(Bytes.wrap(kv.key), kv.value)));
        writes.putAll(wrapped);
    }

    @Override
    public Range range(byte[] from, byte[] to) {
        // created here, closed by the caller through Range.close()
        KeyValueIterator<Bytes, byte[]> it = reads.range(from == null ? null : Bytes.wrap(from),
                to == null ? null : Bytes.wrap(to));
        return Range.of(it, next -> Map.entry(next.key.get(), next.value), it::close);
    }

    @Override
    public Range reverseRange(byte[] from, byte[] to) {
        // created here, closed by the caller through Range.close()
        KeyValueIterator<Bytes, byte[]> it = reads.reverseRange(from == null ? null : Bytes.wrap(from),
                to == null ? null : Bytes.wrap(to));
        return Range.of(it, next -> Map.entry(next.key.get(), next.value), it::close);
    }
}
