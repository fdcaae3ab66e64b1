package io.kvlog.materializer.internal;

/**
 * A sorted map of encoded records: a RocksDB store in the topology, a sorted map in a replay.
 * Both hold exactly the same bytes for the same events, which is what makes digests comparable.
 */
public interface ByteTable {

    byte[] get(String key);

    void put(String key, byte[] value);

    void delete(String key);
}
