package io.kvlog.materializer.internal;

import io.kvlog.protocol.KeyOrder;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/** A {@link ByteTable} in memory, in the same key order as the RocksDB stores: a replay's scratch store. */
public final class SortedMapTable implements ByteTable {

    private final NavigableMap<String, byte[]> map = new TreeMap<>(KeyOrder.INSTANCE);

    @Override
    public byte[] get(String key) {
        return map.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
        map.put(key, value);
    }

    @Override
    public void delete(String key) {
        map.remove(key);
    }

    /** Every record in key order (read-only). */
    public Iterable<Map.Entry<String, byte[]>> records() {
        return java.util.Collections.unmodifiableNavigableMap(map).entrySet();
    }

    public int size() {
        return map.size();
    }
}
