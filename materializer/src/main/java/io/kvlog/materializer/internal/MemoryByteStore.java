package io.kvlog.materializer.internal;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;

/** A {@link ByteStore} in memory, in RocksDB's key order: a replay's scratch store. Not thread-safe. */
public final class MemoryByteStore implements ByteStore {

    private final NavigableMap<Bytes, byte[]> map = new TreeMap<>();

    @Override
    public byte[] get(byte[] key) {
        return map.get(Bytes.wrap(key));
    }

    @Override
    public void write(List<KeyValue<byte[], byte[]>> batch) {
        for (KeyValue<byte[], byte[]> kv : batch) {
            if (kv.value == null) {
                map.remove(Bytes.wrap(kv.key));
            } else {
                map.put(Bytes.wrap(kv.key), kv.value);
            }
        }
    }

    @Override
    public Range range(byte[] from, byte[] to) {
        return over(view(from, to));
    }

    @Override
    public Range reverseRange(byte[] from, byte[] to) {
        return over(view(from, to).descendingMap());
    }

    private NavigableMap<Bytes, byte[]> view(byte[] from, byte[] to) {
        NavigableMap<Bytes, byte[]> view = map;
        if (from != null) {
            view = view.tailMap(Bytes.wrap(from), true);
        }
        if (to != null) {
            view = view.headMap(Bytes.wrap(to), true);
        }
        return view;
    }

    private static Range over(NavigableMap<Bytes, byte[]> view) {
        Iterator<Map.Entry<Bytes, byte[]>> it = view.entrySet().iterator();
        return Range.of(it, next -> Map.entry(next.getKey().get(), next.getValue()), () -> { });
    }

    public int size() {
        return map.size();
    }
}
