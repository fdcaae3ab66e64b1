package io.kvlog.query.internal;

import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Entry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetadata;

/**
 * What the query service needs of this node's materializer: its copies and Streams' view of
 * who holds the others. {@link MaterializerCopies} is the real one; tests pass fakes. Every
 * method but {@link #keyMetadata} may block briefly (store reads, metadata locks): call them
 * off the event loop.
 */
public interface LocalCopies {

    /** See {@link io.kvlog.materializer.Materializer#get(String, int, long, boolean)}. */
    Read<Entry> get(String key, int partition, long atLeast, boolean requireActive);

    /** The offset this node's copy of {@code partition} has applied, as the hit's value. */
    Read<Long> position(int partition, boolean requireActive);

    /** See {@link io.kvlog.materializer.Materializer#range}. */
    Read<List<KeyValue<String, Entry>>> range(int partition, String from, String to, int limit, long atLeast,
                                              boolean requireActive);

    /** A digest of this node's copy of {@code partition}. */
    Read<Digest> digest(int partition, boolean requireActive);

    /**
     * Who holds the key's partition; {@link KeyQueryMetadata#NOT_AVAILABLE} while unknown. An
     * in-memory lookup (Streams' metadata, under a monitor its rebalance callback holds only to
     * swap in the new assignment): fit for an event loop, which saves a worker hop per read.
     */
    KeyQueryMetadata keyMetadata(String key);

    /** Every node with the copies it holds; throws {@link IllegalStateException} if not running. */
    Collection<StreamsMetadata> allNodes();

    /** This node's copies: partition -> whether it is the active one. */
    Map<Integer, Boolean> localCopies();

    /** The materializer's state, e.g. {@code RUNNING}. */
    String state();
}
