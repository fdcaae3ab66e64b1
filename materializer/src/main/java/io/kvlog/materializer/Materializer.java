package io.kvlog.materializer;

import io.kvlog.materializer.internal.PartitionDigester;
import io.kvlog.materializer.internal.StoredForms;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's materializer: the Kafka Streams application that applies {@link Topics#EVENTS} into
 * RocksDB (see {@link MaterializerTopology}), and local reads of its copies through IQv2.
 *
 * <p>Every node runs one with the same application id; Kafka Streams spreads the partitions'
 * active copies over them and places {@code standbyReplicas} standby copies of each elsewhere.
 * Reads here only ever answer from this node's copies; routing to the right node is the query
 * service's job ({@link #keyMetadata}). A read names the partition ({@link #partitionOf}) and is
 * answered by one copy, which is 5x faster than asking every local store.
 *
 * <p>Lifecycle: {@link #start} returns once Streams is {@code RUNNING} (all active copies
 * restored) or fails; {@link #close} shuts down cleanly and keeps the state directory.
 */
public final class Materializer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Materializer.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final int DIGEST_ATTEMPTS = 20;

    private final MaterializerConfig config;
    private final ApplyCounters counters = new ApplyCounters();
    // created in the constructor, closed in close()
    private final KafkaStreams streams;
    private final CountDownLatch settled = new CountDownLatch(1);
    private volatile boolean reachedRunning;
    // held by the apply processors while they write and by every query here: see MaterializerTopology.build
    private final Object storeLock = new Object();
    private volatile Throwable failure;

    public Materializer(MaterializerConfig config) {
        this.config = config;
        this.streams = new KafkaStreams(MaterializerTopology.build(config, counters, storeLock),
                MaterializerTopology.streamsProperties(config));
        streams.setStateListener((now, before) -> {
            LOG.info("Materializer {} state {} -> {}", config.applicationServer(), before, now);
            if (now == KafkaStreams.State.RUNNING) {
                reachedRunning = true;
            }
            if (now == KafkaStreams.State.RUNNING || !now.isRunningOrRebalancing()) {
                settled.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            StreamThreadExceptionResponse response = responseTo(e);
            if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
                LOG.warn("Materializer {}: a stream thread's transaction broke; replacing the thread",
                        config.applicationServer(), e);
                return response;
            }
            // a failure here is a bug or a broken store, not bad input (the applier skips that):
            // stop this node rather than retry the same record forever
            LOG.error("Materializer {} failed; shutting it down", config.applicationServer(), e);
            failure = e;
            return response;
        });
    }

    /**
     * What a stream thread's uncaught exception calls for. A thread whose transactional producer
     * is in a broken state — the broker no longer knows its transaction in that state
     * ({@link InvalidTxnStateException}), or the producer refuses to go on after a commit timed out
     * (an exception thrown by its transaction manager) — seen by kv check when brokers were
     * SIGKILLed or a loaded node stalled: that is over for that producer only. A new thread with a
     * new producer resumes from the last committed transaction, so nothing is applied twice.
     * Anything else stops this node's materializer.
     */
    static StreamThreadExceptionResponse responseTo(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            StackTraceElement[] frames = cause.getStackTrace();
            boolean fromTransactionManager = frames.length > 0 && frames[0].getClassName().equals(TRANSACTION_MANAGER);
            if (cause instanceof InvalidTxnStateException || fromTransactionManager) {
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
        }
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    private static final String TRANSACTION_MANAGER = "org.apache.kafka.clients.producer.internals.TransactionManager";

    /**
     * Starts Streams and waits until it has been {@code RUNNING} once.
     *
     * @throws IllegalStateException if it failed, or has not been running within {@code timeout}
     */
    public void start(Duration timeout) throws InterruptedException {
        streams.start();
        boolean inTime = settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        KafkaStreams.State state = streams.state();
        if (!started(reachedRunning, state)) {
            throw new IllegalStateException("Materializer " + config.applicationServer() + " on "
                    + config.bootstrapServers() + " is " + state + (inTime ? "" : " after waiting " + timeout)
                    + ", not RUNNING" + (failure == null ? "" : ": " + failure), failure);
        }
    }

    /**
     * Whether a start has succeeded: Streams has reached {@code RUNNING} and has not failed or
     * stopped since. It may be {@code REBALANCING} again by now: when several nodes join at once,
     * the group rebalances again right after the first assignment (seen by kv check: a node
     * failed its start, "REBALANCING, not RUNNING", 6 ms after it had been running).
     * Readiness ({@code /v1/ready}) follows the state from there on.
     */
    static boolean started(boolean reachedRunning, KafkaStreams.State now) {
        return reachedRunning && now.isRunningOrRebalancing();
    }

    /** Streams' state; {@code RUNNING} when this node can serve. */
    public KafkaStreams.State state() {
        return streams.state();
    }

    /** What the applier did on this node since start (active copies only; standbys copy, they do not apply). */
    public ApplyCounters counters() {
        return counters;
    }

    /** The config this materializer runs with. */
    public MaterializerConfig config() {
        return config;
    }

    /**
     * The key's entry in this node's copy of {@code partition}.
     *
     * @param atLeast       answer only once the copy has applied this offset (-1: at once)
     * @param requireActive answer only from the active copy
     * @return a hit with the entry (a tombstone if removed, null if never written), or a miss
     * @throws IllegalArgumentException if the key is not a valid key
     */
    public Read<Entry> get(String key, int partition, long atLeast, boolean requireActive) {
        Validation.key(key);
        return query(partition, MaterializerTopology.ENTRIES_STORE, KeyQuery.<String, byte[]>withKey(key), atLeast,
                requireActive, bytes -> bytes == null ? null : EntryCodec.decode(bytes));
    }

    /** The key's entry in whatever copy of its partition this node holds, without waiting. */
    public Read<Entry> get(String key) {
        return get(key, partitionOf(key), -1, false);
    }

    /**
     * The first outcome of event {@code id} in this node's copy of {@code partition} (the key's
     * partition), null in the hit if there is none (yet, or any more: purged after the window).
     *
     * @throws IllegalArgumentException if the id is not a valid id
     */
    public Read<Outcome> outcome(String id, int partition, long atLeast, boolean requireActive) {
        Validation.id(id);
        return query(partition, MaterializerTopology.OUTCOMES_STORE, KeyQuery.<String, byte[]>withKey(id), atLeast,
                requireActive, bytes -> bytes == null ? null : OutcomeCodec.decode(bytes));
    }

    /** The offset of the last event this node's copy of {@code partition} has applied (-1: none), as the hit's value. */
    public Read<Long> position(int partition, boolean requireActive) {
        return query(partition, MaterializerTopology.ENTRIES_STORE,
                KeyQuery.<String, byte[]>withKey(StoredForms.PROGRESS_KEY), -1, requireActive,
                bytes -> bytes == null ? -1L : StoredForms.decodeProgress(bytes).offset());
    }

    /**
     * A digest of this node's copy of {@code partition}, over both stores read at the same
     * offset (the digest's {@code offset}). While events are being applied the two stores may
     * keep moving between their reads; after {@value #DIGEST_ATTEMPTS} tries that is a
     * {@link Read.Reason#NOT_UP_TO_BOUND} miss: digest a quiet partition, or retry.
     */
    public Read<Digest> digest(int partition, boolean requireActive) {
        Read<Digest> last = null;
        for (int attempt = 0; attempt < DIGEST_ATTEMPTS; attempt++) {
            PartitionDigester digester = new PartitionDigester(config.dedupeWindow());
            Read<Void> entries = query(partition, MaterializerTopology.ENTRIES_STORE,
                    RangeQuery.<String, byte[]>withNoBounds(), -1, requireActive,
                    all -> feed(all, digester::entry));
            if (entries instanceof Read.Miss<Void> miss) {
                return new Read.Miss<>(partition, miss.reason(), miss.message());
            }
            Read<Void> outcomes = query(partition, MaterializerTopology.OUTCOMES_STORE,
                    RangeQuery.<String, byte[]>withNoBounds(), -1, requireActive,
                    all -> feed(all, digester::outcome));
            if (outcomes instanceof Read.Miss<Void> miss) {
                return new Read.Miss<>(partition, miss.reason(), miss.message());
            }
            if (digester.consistent()) {
                return new Read.Hit<>(partition, digester.finish(partition), digester.offset());
            }
            last = new Read.Miss<>(partition, Read.Reason.NOT_UP_TO_BOUND,
                    "entries and outcomes kept moving during " + DIGEST_ATTEMPTS + " digest attempts");
        }
        return last;
    }

    /** The partition of a key, as Streams' metadata sees the topic (same as the producer's default partitioner). */
    public int partitionOf(String key) {
        int partition = keyMetadata(key).partition();
        if (partition < 0) {
            throw new IllegalStateException("no metadata for " + Topics.EVENTS + " yet (state " + streams.state() + ")");
        }
        return partition;
    }

    /**
     * Which node holds the active and the standby copies of the key's partition
     * ({@link KeyQueryMetadata#NOT_AVAILABLE} while unknown). An in-memory lookup under Streams'
     * metadata monitor (held elsewhere only to swap in a new assignment), no I/O: callers may ask
     * it on an event loop.
     */
    public KeyQueryMetadata keyMetadata(String key) {
        return streams.queryMetadataForKey(MaterializerTopology.ENTRIES_STORE, key, Serdes.String().serializer());
    }

    /**
     * Up to {@code limit} entries of this node's copy of {@code partition}, in key order (the
     * order of the keys' UTF-8 bytes), tombstones included, with keys from {@code from} to
     * {@code to}, both inclusive (null: unbounded). The store iterator is closed before this
     * returns, so a scan pages through a partition with repeated calls.
     *
     * @param atLeast       answer only once the copy has applied this offset (-1: at once)
     * @param requireActive answer only from the active copy
     */
    public Read<List<KeyValue<String, Entry>>> range(int partition, String from, String to, int limit, long atLeast,
                                                     boolean requireActive) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: must be >= 1, got " + limit);
        }
        return query(partition, MaterializerTopology.ENTRIES_STORE,
                RangeQuery.<String, byte[]>withRange(from, to).withAscendingKeys(), atLeast, requireActive,
                iterator -> {
                    List<KeyValue<String, Entry>> page = new ArrayList<>(Math.min(limit, 1024));
                    try (iterator) {
                        while (page.size() < limit && iterator.hasNext()) {
                            KeyValue<String, byte[]> next = iterator.next();
                            if (!StoredForms.isProgress(next.key)) {
                                page.add(KeyValue.pair(next.key, EntryCodec.decode(next.value)));
                            }
                        }
                    }
                    return page;
                });
    }

    /**
     * Every node of the application as this node's Streams metadata sees it: its
     * {@code application.server} and the partitions it holds as active and standby copies.
     *
     * @throws IllegalStateException if Streams is not running or rebalancing
     */
    public Collection<StreamsMetadata> allNodes() {
        return streams.metadataForAllStreamsClients();
    }

    /** The copies this node holds now: partition -> whether it is the active one. */
    public Map<Integer, Boolean> localCopies() {
        Map<Integer, Boolean> copies = new TreeMap<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.standbyTasks()) {
                eventsPartitions(task).forEach(p -> copies.put(p, false));
            }
            for (TaskMetadata task : thread.activeTasks()) {
                eventsPartitions(task).forEach(p -> copies.put(p, true));
            }
        }
        return copies;
    }

    /**
     * Shuts down cleanly (commits, writes checkpoints) and leaves the group, so this node's
     * active copies fail over to their standbys at once rather than after the session timeout;
     * waits up to 30 s. The state directory is kept: a restart restores only what it missed.
     */
    @Override
    public void close() {
        close(CLOSE_TIMEOUT);
    }

    /** As {@link #close()}, waiting up to {@code timeout} ({@code Duration.ZERO}: ask and return at once). */
    public void close(Duration timeout) {
        boolean closed = streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(timeout));
        if (!closed) {
            LOG.warn("Materializer {} did not shut down within {}", config.applicationServer(), timeout);
        }
    }

    private static java.util.stream.Stream<Integer> eventsPartitions(TaskMetadata task) {
        return task.topicPartitions().stream()
                .filter(tp -> tp.topic().equals(Topics.EVENTS))
                .map(TopicPartition::partition);
    }

    private static Void feed(KeyValueIterator<String, byte[]> all, java.util.function.BiConsumer<String, byte[]> sink) {
        try (all) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> next = all.next();
                sink.accept(next.key, next.value);
            }
        }
        return null;
    }

    private <R, T> Read<T> query(int partition, String store, Query<R> query, long atLeast, boolean requireActive,
                                 Function<R, T> result) {
        StateQueryRequest<R> request = StateQueryRequest.inStore(store).withQuery(query)
                .withPartitions(Set.of(partition));
        if (atLeast >= 0) {
            request = request.withPositionBound(
                    PositionBound.at(Position.emptyPosition().withComponent(Topics.EVENTS, partition, atLeast)));
        }
        if (requireActive) {
            request = request.requireActive();
        }
        StateQueryResult<R> answer;
        try {
            synchronized (storeLock) {
                answer = streams.query(request);
            }
        } catch (StreamsException e) { // not started, shutting down, or a store closed by a rebalance
            return new Read.Miss<>(partition, Read.Reason.NOT_RUNNING, e.getMessage());
        }
        QueryResult<R> copy = answer.getPartitionResults().get(partition);
        if (copy == null) {
            return new Read.Miss<>(partition, Read.Reason.NOT_HOSTED, "no local copy of partition " + partition);
        }
        if (copy.isFailure()) {
            Read.Reason reason = switch (copy.getFailureReason()) {
                case NOT_ACTIVE -> Read.Reason.NOT_ACTIVE;
                case NOT_UP_TO_BOUND -> Read.Reason.NOT_UP_TO_BOUND;
                case NOT_PRESENT -> Read.Reason.NOT_HOSTED;
                case DOES_NOT_EXIST, UNKNOWN_QUERY_TYPE, STORE_EXCEPTION -> Read.Reason.FAILED;
            };
            return new Read.Miss<>(partition, reason, copy.getFailureMessage());
        }
        long position = offsetIn(copy.getPosition(), partition);
        if (position < atLeast) {
            // Streams drops the position bound of a query that requires the active copy
            // (requireActive), so check it here: an answer below the bound is not an answer
            return new Read.Miss<>(partition, Read.Reason.NOT_UP_TO_BOUND,
                    "copy of partition " + partition + " is at " + position + ", not yet at " + atLeast);
        }
        return new Read.Hit<>(partition, result.apply(copy.getResult()), position);
    }

    private static long offsetIn(Position position, int partition) {
        if (position == null) {
            return -1;
        }
        Long offset = position.getPartitionPositions(Topics.EVENTS).get(partition);
        return offset == null ? -1 : offset;
    }
}
