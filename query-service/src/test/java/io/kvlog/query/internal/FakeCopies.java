package io.kvlog.query.internal;

import io.kvlog.protocol.KeyOrder;
import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * In-memory copies of every partition on one node, for tests without a broker: writes get
 * consecutive offsets per partition, as the log would give them; each copy is active or standby
 * and its position can be held back to simulate lag.
 */
final class FakeCopies implements LocalCopies {

    private final int partitions;
    private final HostInfo self;
    private final Map<Integer, NavigableMap<String, Entry>> stores = new HashMap<>();
    private final Map<Integer, Long> logEnd = new HashMap<>();
    /** Written but not yet applied, by partition, in offset order. */
    private final Map<Integer, List<KeyValue<String, Entry>>> unapplied = new HashMap<>();
    /** The position each copy reports; writes beyond it are invisible until it advances. */
    private final Map<Integer, Long> positions = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> active = new ConcurrentHashMap<>();
    /** Every read blocks this long first, like a store stuck behind a restore. */
    private volatile long stallMillis;
    private volatile RuntimeException metadataFailure;

    FakeCopies(int partitions, HostInfo self) {
        this.partitions = partitions;
        this.self = self;
        for (int p = 0; p < partitions; p++) {
            stores.put(p, new TreeMap<>(KeyOrder.INSTANCE));
            logEnd.put(p, 0L);
            unapplied.put(p, new ArrayList<>());
            positions.put(p, -1L);
            active.put(p, true);
        }
    }

    int partitionOf(String key) {
        return Topics.partitionOf(key, partitions);
    }

    /** Appends a write and applies it (position advances) unless {@code hold}. Returns its offset. */
    synchronized long put(String key, String value) {
        return write(key, value, false);
    }

    synchronized long remove(String key) {
        return write(key, null, false);
    }

    /** Appends a write the copy has not applied yet: its position stays. */
    synchronized long putUnapplied(String key, String value) {
        return write(key, value, true);
    }

    private long write(String key, String value, boolean hold) {
        int p = partitionOf(key);
        long offset = logEnd.get(p);
        logEnd.put(p, offset + 1);
        unapplied.get(p).add(KeyValue.pair(key, value == null ? Entry.tombstone(offset) : Entry.present(value, offset)));
        if (!hold) {
            applyUpTo(p, offset);
        }
        return offset;
    }

    /** The log end (high watermark) of {@code p}. */
    synchronized long highWatermark(int p) {
        return logEnd.get(p);
    }

    /** The copy of {@code p} applies everything up to {@code position}. */
    synchronized void position(int p, long position) {
        applyUpTo(p, position);
    }

    private void applyUpTo(int p, long position) {
        List<KeyValue<String, Entry>> pending = unapplied.get(p);
        while (!pending.isEmpty() && pending.get(0).value.version() <= position) {
            KeyValue<String, Entry> write = pending.remove(0);
            stores.get(p).put(write.key, write.value);
        }
        positions.put(p, position);
    }

    void active(int p, boolean isActive) {
        active.put(p, isActive);
    }

    void stall(long millis) {
        stallMillis = millis;
    }

    private void maybeStall() {
        if (stallMillis > 0) {
            try {
                Thread.sleep(stallMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public Read<Entry> get(String key, int partition, long atLeast, boolean requireActive) {
        maybeStall();
        synchronized (this) {
            return read(key, partition, atLeast, requireActive);
        }
    }

    private Read<Entry> read(String key, int partition, long atLeast, boolean requireActive) {
        Read<Long> gate = gate(partition, atLeast, requireActive);
        if (gate instanceof Read.Miss<Long> miss) {
            return new Read.Miss<>(partition, miss.reason(), miss.message());
        }
        Entry entry = stores.get(partition).get(key);
        return new Read.Hit<>(partition, entry, positions.get(partition));
    }

    @Override
    public Read<Long> position(int partition, boolean requireActive) {
        Read<Long> gate = gate(partition, -1, requireActive);
        return gate instanceof Read.Miss<Long> ? gate : new Read.Hit<>(partition, positions.get(partition),
                positions.get(partition));
    }

    @Override
    public synchronized Read<List<KeyValue<String, Entry>>> range(int partition, String from, String to, int limit,
                                                                  long atLeast, boolean requireActive) {
        Read<Long> gate = gate(partition, atLeast, requireActive);
        if (gate instanceof Read.Miss<Long> miss) {
            return new Read.Miss<>(partition, miss.reason(), miss.message());
        }
        NavigableMap<String, Entry> store = stores.get(partition);
        NavigableMap<String, Entry> view = from == null ? store : store.tailMap(from, true);
        List<KeyValue<String, Entry>> page = new ArrayList<>();
        for (Map.Entry<String, Entry> e : view.entrySet()) {
            if (page.size() == limit || (to != null && KeyOrder.INSTANCE.compare(e.getKey(), to) > 0)) {
                break;
            }
            page.add(KeyValue.pair(e.getKey(), e.getValue()));
        }
        return new Read.Hit<>(partition, page, positions.get(partition));
    }

    @Override
    public Read<Digest> digest(int partition, boolean requireActive) {
        return new Read.Hit<>(partition, new Digest(partition, positions.get(partition), "0".repeat(64),
                stores.get(partition).size(), 0), positions.get(partition));
    }

    /** Makes every metadata lookup throw {@code failure} (null: answer again), as Streams does before it runs. */
    void failMetadata(RuntimeException failure) {
        metadataFailure = failure;
    }

    @Override
    public KeyQueryMetadata keyMetadata(String key) {
        RuntimeException failure = metadataFailure;
        if (failure != null) {
            throw failure;
        }
        return new KeyQueryMetadata(self, Set.of(), partitionOf(key));
    }

    @Override
    public Collection<StreamsMetadata> allNodes() {
        Set<TopicPartition> all = active.keySet().stream().map(p -> new TopicPartition(Topics.EVENTS, p))
                .collect(Collectors.toSet());
        return List.of(new FakeMetadata(self, all, Set.of()));
    }

    @Override
    public Map<Integer, Boolean> localCopies() {
        return new TreeMap<>(active);
    }

    @Override
    public String state() {
        return "RUNNING";
    }

    private Read<Long> gate(int partition, long atLeast, boolean requireActive) {
        if (!active.containsKey(partition)) {
            return new Read.Miss<>(partition, Read.Reason.NOT_HOSTED, "no local copy of partition " + partition);
        }
        if (requireActive && !active.get(partition)) {
            return new Read.Miss<>(partition, Read.Reason.NOT_ACTIVE, "standby");
        }
        long position = positions.get(partition);
        if (atLeast >= 0 && position < atLeast) {
            return new Read.Miss<>(partition, Read.Reason.NOT_UP_TO_BOUND, "at " + position + ", not " + atLeast);
        }
        return new Read.Hit<>(partition, position, position);
    }

    record FakeMetadata(HostInfo hostInfo, Set<TopicPartition> topicPartitions,
                        Set<TopicPartition> standbyTopicPartitions) implements StreamsMetadata {
        @Override
        public Set<String> stateStoreNames() {
            return Set.of("kv-entries");
        }

        @Override
        public Set<String> standbyStateStoreNames() {
            return Set.of();
        }

        @Override
        public String host() {
            return hostInfo.host();
        }

        @Override
        public int port() {
            return hostInfo.port();
        }
    }
}
