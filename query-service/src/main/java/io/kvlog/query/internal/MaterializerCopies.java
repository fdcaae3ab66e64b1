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

/** {@link LocalCopies} of a running {@link Materializer}. */
public final class MaterializerCopies implements LocalCopies {

    private final Materializer materializer;

    public MaterializerCopies(Materializer materializer) {
        this.materializer = materializer;
    }

    @Override
    public Read<Entry> get(String key, int partition, long atLeast, boolean requireActive) {
        return materializer.get(key, partition, atLeast, requireActive);
    }

    @Override
    public Read<Long> position(int partition, boolean requireActive) {
        return materializer.position(partition, requireActive);
    }

    @Override
    public Read<List<KeyValue<String, Entry>>> range(int partition, String from, String to, int limit, long atLeast,
                                                     boolean requireActive) {
        return materializer.range(partition, from, to, limit, atLeast, requireActive);
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
