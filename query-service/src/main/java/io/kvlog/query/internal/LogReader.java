package io.kvlog.query.internal;

import io.kvlog.http.Deadline;
import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@link Topics#EVENTS} itself, by offset, with plain consumers (assigned partitions, no
 * group, nothing committed): the values of a key's past versions, the offset of a moment, and the
 * history a watch catches up on. The copy keeps only what each version was; the log keeps what
 * it said.
 *
 * <p>Short reads share a few pooled consumers ({@value #POOL} at most: a read waits for a free
 * one); a watch's catch-up {@link #open opens} its own. Consumers block: call from worker
 * threads only. Pooled consumers are created on first use and closed in {@link #close}.
 */
public final class LogReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogReader.class);
    /** Offsets further apart than this are reached by a seek, not by reading what lies between. */
    static final long SEEK_GAP = 2_000;
    /** How many pooled consumers short reads share. */
    public static final int POOL = 4;
    private static final Duration POLL = Duration.ofMillis(100);

    private final Map<String, Object> config;
    private final BlockingQueue<Consumer<byte[], byte[]>> idle = new LinkedBlockingQueue<>();
    private final List<Consumer<byte[], byte[]>> pooled = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong opened = new java.util.concurrent.atomic.AtomicLong();

    /** @param kafkaClient the node's Kafka client settings (security of a real cluster) */
    public LogReader(String bootstrapServers, Map<String, Object> kafkaClient, String nodeId) {
        Map<String, Object> config = new HashMap<>(kafkaClient);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        // short: a consumer's next fetch, sent at the end of a read, is held by the broker this long
        // at the end of a partition, and the following read on the same consumer waits behind it
        // (100 ms made the newest history page take 100 ms)
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "kvlog-log-reader-" + nodeId);
        this.config = Map.copyOf(config);
    }

    /** A new consumer of {@link Topics#EVENTS} for the caller to own and close. */
    public Consumer<byte[], byte[]> open() {
        Map<String, Object> own = new HashMap<>(config);
        // one client id per consumer: their metrics and JMX names would collide
        own.put(ConsumerConfig.CLIENT_ID_CONFIG, config.get(ConsumerConfig.CLIENT_ID_CONFIG) + "-" + opened.incrementAndGet());
        return new KafkaConsumer<>(own);
    }

    /**
     * The records at {@code offsets} of {@code partition}, read forward from the first and
     * seeking across gaps wider than {@value #SEEK_GAP}; an offset that holds no record (past
     * the end, or a transaction marker) is missing from the result.
     *
     * @throws TimeoutException if the deadline passes first
     */
    public Map<Long, ConsumerRecord<byte[], byte[]>> read(int partition, NavigableSet<Long> offsets, Deadline deadline)
            throws TimeoutException, InterruptedException {
        Map<Long, ConsumerRecord<byte[], byte[]>> found = new HashMap<>();
        if (offsets.isEmpty()) {
            return found;
        }
        Consumer<byte[], byte[]> consumer = borrow(deadline);
        try {
            TopicPartition tp = new TopicPartition(Topics.EVENTS, partition);
            consumer.assign(List.of(tp));
            Long next = offsets.first();
            consumer.seek(tp, next);
            long end = -1;
            while (next != null) {
                if (deadline.expired()) {
                    throw new TimeoutException("reading " + offsets.size() + " events of partition " + partition
                            + " of " + Topics.EVENTS + ": " + found.size() + " found when the time was up");
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                    while (next != null && next < record.offset()) {
                        next = offsets.higher(next); // no record there
                    }
                    if (next == null) {
                        break;
                    }
                    if (record.offset() == next) {
                        found.put(next, record);
                        next = offsets.higher(next);
                    }
                }
                if (next == null) {
                    break;
                }
                long position = consumer.position(tp);
                if (next - position > SEEK_GAP) {
                    consumer.seek(tp, next);
                } else if (records.isEmpty()) {
                    if (end < 0 || position >= end) {
                        end = consumer.endOffsets(List.of(tp), Duration.ofMillis(deadline.remainingMillis() + 1))
                                .get(tp);
                    }
                    if (position >= end) {
                        break; // the rest lies past the end of the log
                    }
                }
            }
            return found;
        } finally {
            idle.add(consumer);
        }
    }

    /**
     * The first offset of {@code partition} whose record time is at or after {@code time} (Kafka's
     * time index), or null if every record is older.
     */
    public Long offsetForTime(int partition, long time, Deadline deadline) throws TimeoutException, InterruptedException {
        Consumer<byte[], byte[]> consumer = borrow(deadline);
        try {
            TopicPartition tp = new TopicPartition(Topics.EVENTS, partition);
            OffsetAndTimestamp found = consumer.offsetsForTimes(Map.of(tp, time),
                    Duration.ofMillis(Math.max(1, deadline.remainingMillis()))).get(tp);
            return found == null ? null : found.offset();
        } finally {
            idle.add(consumer);
        }
    }

    private Consumer<byte[], byte[]> borrow(Deadline deadline) throws TimeoutException, InterruptedException {
        Consumer<byte[], byte[]> consumer = idle.poll();
        if (consumer != null) {
            return consumer;
        }
        synchronized (pooled) {
            if (pooled.size() < POOL) {
                consumer = open();
                pooled.add(consumer);
                return consumer;
            }
        }
        consumer = idle.poll(Math.max(0, deadline.remainingMillis()), TimeUnit.MILLISECONDS);
        if (consumer == null) {
            throw new TimeoutException("all " + POOL + " log readers were busy");
        }
        return consumer;
    }

    /** Closes the pooled consumers (a read still running on one fails). */
    @Override
    public void close() {
        for (Consumer<byte[], byte[]> consumer : pooled) {
            try {
                consumer.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                // in use by a read that outlived the node's stop: its thread closes nothing, the JVM is ending
                LOG.debug("A log reader was in use at close: {}", e.toString());
            }
        }
    }
}
