package io.kvlog.cli.bench;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Matches the acks of writes with their deliveries to watchers by key and version, on one clock
 * ({@link System#nanoTime} of this JVM), and records each delivery's latency from the ack: the
 * moment the writer's client had the reply. Acks and deliveries may come in either order and
 * from any thread; a watcher that has a change before its writer has the ack counts as latency 0
 * (and, for a measured write, in {@link #beforeAck}).
 *
 * <p>A watcher often has the change before the writer has its ack (the ack travels back through
 * the node while the change is already fanned out), so the same deliveries are also recorded from
 * the moment the write was sent (handed to the HTTP client), which is never negative.
 *
 * <p>A write is measured if it was due ({@code intended}) inside the measured window; every
 * delivery of a measured write goes to the totals, whenever it arrives. {@link #recording}
 * sees every delivery as it arrives (from the ack), for the per-second progress.
 */
final class DeliveryLatencies {

    private static final long HIGHEST = Duration.ofHours(1).toNanos();

    /** One write: its ack (if any yet) and the deliveries of it so far. */
    private static final class Write {
        long sent;
        long ack = -1;
        boolean measured;
        int delivered;
        long[] early = new long[0];
        int earlyCount;
    }

    private final int watchers;
    private final long measureFrom;
    private final long measureUntil;
    private final ConcurrentHashMap<String, Write> writes = new ConcurrentHashMap<>();
    private final Recorder measured = new Recorder(HIGHEST, 3);
    private final Recorder measuredFromSend = new Recorder(HIGHEST, 3);
    private final Recording recording = new Recording();
    private final AtomicLong expected = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong beforeAck = new AtomicLong();

    /** @param watchers how many watchers each write should reach; writes due in [from, until) are measured */
    DeliveryLatencies(int watchers, long measureFrom, long measureUntil) {
        this.watchers = watchers;
        this.measureFrom = measureFrom;
        this.measureUntil = measureUntil;
    }

    Recording recording() {
        return recording;
    }

    /**
     * The writer's client had the ack of {@code key} at {@code version} at {@code now}, for a write
     * due at {@code intended} and sent at {@code sent}.
     */
    void acked(String key, long version, long intended, long sent, long now) {
        Write write = writes.computeIfAbsent(key + '@' + version, k -> new Write());
        expected.addAndGet(watchers);
        synchronized (write) {
            write.sent = sent;
            write.ack = now;
            write.measured = intended >= measureFrom && intended < measureUntil;
            for (int i = 0; i < write.earlyCount; i++) {
                record(write, write.early[i]);
                if (write.measured) {
                    beforeAck.incrementAndGet();
                }
            }
            write.early = null;
        }
    }

    /** A watcher received the change of {@code key} at {@code version} at {@code now}. */
    void delivered(String key, long version, long now) {
        Write write = writes.computeIfAbsent(key + '@' + version, k -> new Write());
        synchronized (write) {
            if (write.ack >= 0) {
                record(write, now);
            } else {
                if (write.earlyCount == write.early.length) {
                    write.early = java.util.Arrays.copyOf(write.early, Math.max(4, write.early.length * 2));
                }
                write.early[write.earlyCount++] = now;
            }
        }
    }

    /** One delivery of an acked write, received at {@code received}: negative latencies from the ack count as 0. */
    private void record(Write write, long received) {
        write.delivered++;
        delivered.incrementAndGet();
        long fromAck = Math.min(Math.max(received - write.ack, 0), HIGHEST);
        recording.success(fromAck);
        if (write.measured) {
            measured.recordValue(fromAck);
            measuredFromSend.recordValue(Math.min(Math.max(received - write.sent, 0), HIGHEST));
        }
    }

    /** Deliveries still owed for the writes acked so far (by watchers that are still open or not). */
    long outstanding() {
        return expected.get() - delivered.get();
    }

    long beforeAck() {
        return beforeAck.get();
    }

    /** What the measured writes saw, counted once the run is over. */
    record Totals(Histogram latency, Histogram fromSend, long measuredWrites, long undelivered,
                  long deliveredButNotAcked) {
    }

    /** Call once, when the run is over. */
    Totals totals() {
        Histogram latency = measured.getIntervalHistogram();
        Histogram fromSend = measuredFromSend.getIntervalHistogram();
        long measuredWrites = 0;
        long undelivered = 0;
        long notAcked = 0;
        for (Write write : writes.values()) {
            synchronized (write) {
                if (write.ack < 0) {
                    notAcked += write.earlyCount;
                } else if (write.measured) {
                    measuredWrites++;
                    undelivered += Math.max(0, watchers - write.delivered);
                }
            }
        }
        return new Totals(latency, fromSend, measuredWrites, undelivered, notAcked);
    }
}
