package io.kvlog.query.internal;

import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Entry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetadata;

/**
 * {@link LocalCopies} of a running {@link Materializer}.
 *
 * <p>Reads check their position bound themselves, for two reasons found in Kafka Streams 4.3:
 * <ul>
 *   <li>{@code KafkaStreams.query} replaces the position bound by {@code unbounded()} when the
 *       request requires the active copy, so a bounded read of the active copy answers at any
 *       position (a linearizable read would return stale data);</li>
 *   <li>the position a result carries is copied after the read, so it may include an event
 *       applied after the value was read.</li>
 * </ul>
 * So every bounded read first reads the copy's progress (the offset whose every change is in the
 * store: progress is written last for each event), refuses if it is below the bound, then reads
 * without a bound, and reports that progress as the position: the value read reflects at least it.
 */
public final class MaterializerCopies implements LocalCopies {

    private final Materializer materializer;

    public MaterializerCopies(Materializer materializer) {
        this.materializer = materializer;
    }

    @Override
    public Read<Entry> get(String key, int partition, long atLeast, boolean requireActive) {
        Read<Long> progress = progress(partition, atLeast, requireActive);
        if (progress instanceof Read.Miss<Long> miss) {
            return new Read.Miss<>(partition, miss.reason(), miss.message());
        }
        return at(materializer.get(key, partition, -1, requireActive), ((Read.Hit<Long>) progress).value());
    }

    @Override
    public Read<Long> position(int partition, boolean requireActive) {
        return materializer.position(partition, requireActive);
    }

    @Override
    public Read<List<KeyValue<String, Entry>>> range(int partition, String from, String to, int limit, long atLeast,
                                                     boolean requireActive) {
        Read<Long> progress = progress(partition, atLeast, requireActive);
        if (progress instanceof Read.Miss<Long> miss) {
            return new Read.Miss<>(partition, miss.reason(), miss.message());
        }
        return at(materializer.range(partition, from, to, limit, -1, requireActive),
                ((Read.Hit<Long>) progress).value());
    }

    /** The copy's progress, or a miss if it cannot answer or is below {@code atLeast}. */
    private Read<Long> progress(int partition, long atLeast, boolean requireActive) {
        Read<Long> progress = materializer.position(partition, requireActive);
        if (progress instanceof Read.Hit<Long> hit && hit.value() < atLeast) {
            return new Read.Miss<>(partition, Read.Reason.NOT_UP_TO_BOUND, "this node's " + (requireActive ? "active " : "")
                    + "copy of partition " + partition + " has applied up to offset " + hit.value() + ", not yet " + atLeast);
        }
        return progress;
    }

    /** A hit reported at {@code progress}, read before it (a miss as it is). */
    private static <T> Read<T> at(Read<T> read, long progress) {
        if (read instanceof Read.Hit<T> hit) {
            return new Read.Hit<>(hit.partition(), hit.value(), progress);
        }
        return read;
    }

    @Override
    public Read<Digest> digest(int partition, boolean requireActive) {
        return materializer.digest(partition, requireActive);
    }

    @Override
    public KeyQueryMetadata keyMetadata(String key) {
        return materializer.keyMetadata(key);
    }

    @Override
    public Collection<StreamsMetadata> allNodes() {
        return materializer.allNodes();
    }

    @Override
    public Map<Integer, Boolean> localCopies() {
        return materializer.localCopies();
    }

    @Override
    public String state() {
        return materializer.state().name();
    }
}
