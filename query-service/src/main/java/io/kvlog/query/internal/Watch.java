package io.kvlog.query.internal;

import io.kvlog.http.auth.Permission;
import io.kvlog.http.auth.Principal;
import io.kvlog.materializer.Change;
import io.kvlog.materializer.ChangeFeed;
import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.Revision;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.PositionVector;
import io.kvlog.protocol.Topics;
import io.kvlog.protocol.Validation;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watcher: a Server-Sent Events stream of the changes to one key or to the keys under a
 * prefix, from a position on.
 *
 * <p>From a past position it first reads the history from {@code kv.events} (its own consumer,
 * on a worker thread), keeping only events this copy applied as changes (its history rows say
 * which), until it is near this copy's positions; then it subscribes to the node's
 * {@link ChangeFeed}, reads the log up to where the subscription starts, and goes on with the
 * feed. Every change is delivered once, per key in version order. {@link #delivered} is how far
 * it has come in each partition it watches: every change at or below it was sent; each change
 * and progress event carries it as its SSE {@code id}.
 *
 * <p>Memory is bounded: changes wait for a slow client in a queue of at most
 * {@code maxBufferedBytes}, and all the node's watchers together hold at most
 * {@code maxNodeBufferedBytes}; a watcher past either (or a catch-up the client does not take within
 * {@link #SLOW_TIMEOUT}) gets an {@code error} event and is closed.
 *
 * <p>Threads: the feed calls {@link #applied} on the applying thread (queue under this object's
 * lock, then hop); the catch-up runs on a worker; everything that writes to the response runs
 * on the request's context.
 */
final class Watch {

    private static final Logger LOG = LoggerFactory.getLogger(Watch.class);
    /** The error code of a watcher closed because it fell too far behind. */
    static final String TOO_SLOW = "WATCHER_TOO_SLOW";
    static final String LOG_UNREADABLE = "LOG_UNREADABLE";
    static final String NODE_STOPPING = "NODE_STOPPING";
    /** Error code: the auth file no longer has its principal, or gives it other grants. */
    static final String ACCESS_CHANGED = "ACCESS_CHANGED";
    static final String INTERNAL = "INTERNAL";
    /** How long a client may leave a catch-up batch unread before it is closed as too slow. */
    static final Duration SLOW_TIMEOUT = Duration.ofSeconds(30);
    /** A catch-up switches to the live feed once it is this close to the copy (events). */
    private static final long SWITCH_DISTANCE = 2_000;
    private static final int MAX_CATCH_UP_ROUNDS = 10;
    private static final int FLUSH_BYTES = 64 * 1024;
    private static final long FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** What a queued change costs besides its key and value. */
    private static final int CHANGE_OVERHEAD = 200;

    final String id;
    private final String key;
    private final String prefix;
    private final Principal reader;
    private final boolean readsAll;
    private final List<Integer> scope;
    private final Materializer copy;
    private final HttpServerResponse response;
    private final Context context;
    private final long maxBufferedBytes;
    /** What every watch of the node buffers together, and its bound. */
    private final java.util.concurrent.atomic.AtomicLong nodeBuffered;
    private final long maxNodeBufferedBytes;
    private final long progressNanos;
    private final java.util.function.Consumer<String> onClose;
    private final Runnable closeConnection;
    /** Delivered through, per partition: owned by the catch-up until it hands over, then by the context. */
    private final long[] delivered;
    private final boolean fromNow;

    // the live queue: written by the applying thread, read by the context, under this object's lock
    private final ArrayDeque<Change> queue = new ArrayDeque<>();
    private long bufferedBytes;
    private boolean overflow;
    private final long[] seen;

    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean live;
    private volatile boolean closed;
    private volatile Consumer<byte[], byte[]> catchUpConsumer;
    private boolean progressWanted;
    private volatile boolean progressRequested;
    private volatile CompletableFuture<Void> sending;
    private volatile ChangeFeed.Subscription subscription;
    private long timer = -1;
    private long changesSent;

    /**
     * @param key    the one key watched, or null for a prefix
     * @param prefix the prefix watched ("" = every key), or null for a key
     * @param reader who opened it: it is sent only the changes of keys this principal may read
     * @param from   where it starts, per partition of {@code scope}; null: where its subscription does (now)
     */
    Watch(String id, String key, String prefix, Principal reader, Materializer copy, long[] from, HttpServerResponse response,
          Context context, Runnable closeConnection, long maxBufferedBytes,
          java.util.concurrent.atomic.AtomicLong nodeBuffered, long maxNodeBufferedBytes, Duration progressEvery,
          java.util.function.Consumer<String> onClose) {
        this.id = id;
        this.key = key;
        this.prefix = prefix;
        this.reader = reader;
        this.readsAll = reader.mayAll(Permission.READ);
        this.copy = copy;
        this.response = response;
        this.context = context;
        this.maxBufferedBytes = maxBufferedBytes;
        this.nodeBuffered = nodeBuffered;
        this.maxNodeBufferedBytes = maxNodeBufferedBytes;
        this.progressNanos = progressEvery.toNanos();
        this.onClose = onClose;
        this.closeConnection = closeConnection;
        this.scope = key != null ? List.of(Topics.partitionOf(key, copy.partitions()))
                : java.util.stream.IntStream.range(0, copy.partitions()).boxed().toList();
        this.fromNow = from == null;
        this.delivered = fromNow ? new long[copy.partitions()] : from.clone();
        this.seen = new long[copy.partitions()];
        java.util.Arrays.fill(seen, -1);
    }

    /** Where it stands: the resume position of everything sent so far. */
    PositionVector position() {
        return PositionVector.of(delivered, scope);
    }

    /** {@link #position()}'s text, written straight out: it goes with every change sent. */
    private void appendPosition(StringBuilder out) {
        for (int i = 0; i < scope.size(); i++) {
            int p = scope.get(i);
            if (i > 0) {
                out.append(',');
            }
            out.append(p).append(':').append(delivered[p]);
        }
    }

    /**
     * On the context: subscribes to the feed and goes live at once if nothing lies between where
     * the watch starts and where the subscription does (from now, or a resume of a watch that was
     * up to date); otherwise lets go of the subscription and says so, for a {@link #catchUp}.
     */
    boolean tryLive(ChangeFeed feed) {
        ChangeFeed.Subscription feedFromNow = feed.subscribe(this::applied, this::dropped);
        long[] start = feedFromNow.start();
        for (int p : scope) {
            if (fromNow) {
                delivered[p] = start[p];
            } else if (delivered[p] < start[p]) {
                feedFromNow.close();
                synchronized (this) {
                    queue.clear();
                    nodeBuffered.addAndGet(-bufferedBytes);
                    bufferedBytes = 0;
                    overflow = false;
                    java.util.Arrays.fill(seen, -1);
                }
                return false;
            }
        }
        subscription = feedFromNow;
        begin();
        goLive();
        return true;
    }

    /** Sends the headers and a first comment naming the watch: the client knows it is open. */
    void begin() {
        response.write(": watch " + id + "\n\n");
    }

    /** The catch-up, on a worker thread: the log up to near the copy, then the feed. */
    void catchUp(LogReader log, ChangeFeed feed) {
        long began = System.nanoTime();
        long read = 0;
        try (Consumer<byte[], byte[]> consumer = log.open()) {
            catchUpConsumer = consumer;
            for (int round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
                long[] target = new long[copy.partitions()];
                for (int p : scope) {
                    target[p] = copy.positions().applied(p);
                }
                read += readUpTo(consumer, target);
                if (behind() <= SWITCH_DISTANCE) {
                    break;
                }
            }
            ChangeFeed.Subscription feedFromHere = feed.subscribe(this::applied, this::dropped);
            subscription = feedFromHere;
            if (closed) {
                feedFromHere.close();
                return;
            }
            read += readUpTo(consumer, feedFromHere.start());
            LOG.debug("Watch {} caught up: {} events read in {} ms", id, read,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
            context.runOnContext(v -> goLive());
        } catch (SlowClient e) {
            context.runOnContext(v -> close(TOO_SLOW, e.getMessage()));
        } catch (LogStalled e) {
            context.runOnContext(v -> close(LOG_UNREADABLE, e.getMessage()));
        } catch (WakeupException | InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
            if (!closed) {
                context.runOnContext(v -> close(NODE_STOPPING, "the node stopped this watch's catch-up"));
            }
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("Watch {} could not read the log", id, e);
                context.runOnContext(v -> close(LOG_UNREADABLE, "reading the history from " + Topics.EVENTS
                        + " failed: " + e));
            }
        } finally {
            catchUpConsumer = null;
        }
    }

    /** How many events the copy has applied past what this watch has read. */
    private long behind() {
        long behind = 0;
        for (int p : scope) {
            behind += Math.max(0, copy.positions().applied(p) - delivered[p]);
        }
        return behind;
    }

    /** Reads the log of the watched partitions from {@link #delivered} up to {@code target}, sending the changes. */
    private long readUpTo(Consumer<byte[], byte[]> consumer, long[] target)
            throws SlowClient, LogStalled, InterruptedException {
        List<TopicPartition> behind = new ArrayList<>();
        for (int p : scope) {
            if (delivered[p] < target[p]) {
                behind.add(new TopicPartition(Topics.EVENTS, p));
            }
        }
        if (behind.isEmpty()) {
            return 0;
        }
        consumer.assign(behind);
        behind.forEach(tp -> consumer.seek(tp, delivered[tp.partition()] + 1));
        StringBuilder out = new StringBuilder();
        long lastFlush = System.nanoTime();
        long lastProgress = System.nanoTime();
        long lastRecord = System.nanoTime();
        long read = 0;
        while (!behind.isEmpty()) {
            if (closed) {
                throw new InterruptedException("closed");
            }
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
            long now = System.nanoTime();
            if (!records.isEmpty()) {
                lastRecord = now;
            } else if (now - lastRecord > SLOW_TIMEOUT.toNanos()) {
                throw new LogStalled("no record of " + Topics.EVENTS + " partitions " + behind + " came for "
                        + SLOW_TIMEOUT.toSeconds() + " s while reading the history up to " + PositionVector.of(target,
                        scope) + " (a partition without a leader?)");
            }
            for (TopicPartition tp : behind) {
                int p = tp.partition();
                for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                    if (record.offset() > target[p]) {
                        break;
                    }
                    if (record.offset() <= delivered[p]) {
                        continue;
                    }
                    read++;
                    Change change = changeOf(record);
                    delivered[p] = record.offset();
                    if (change != null) {
                        appendChange(out, change);
                        if (out.length() > FLUSH_BYTES) {
                            send(out);
                            lastFlush = System.nanoTime();
                        }
                    }
                }
            }
            behind.removeIf(tp -> {
                int p = tp.partition();
                if (consumer.position(tp) > target[p]) {
                    delivered[p] = Math.max(delivered[p], target[p]); // what lay between held no record (markers)
                    consumer.pause(List.of(tp));
                    return true;
                }
                return false;
            });
            if (now - lastProgress > progressNanos || progressRequested) {
                progressRequested = false;
                lastProgress = now;
                appendProgress(out, false);
            }
            if (out.length() > FLUSH_BYTES || (!out.isEmpty() && now - lastFlush > FLUSH_NANOS)) {
                send(out);
                lastFlush = now;
            }
        }
        if (!out.isEmpty()) {
            send(out);
        }
        consumer.assign(List.of());
        return read;
    }

    /** The change a record of the log made, if this copy applied it as one and it is watched; null otherwise. */
    private Change changeOf(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            return null;
        }
        String recordKey;
        try {
            recordKey = Validation.key(record.key());
        } catch (IllegalArgumentException e) {
            return null; // malformed: skipped by the applier too
        }
        if (!matches(recordKey)) {
            return null;
        }
        Revision revision = copy.revision(recordKey, record.offset() + 1);
        if (revision == null || !(EventCodec.decode(record.value()) instanceof EventCodec.Valid valid)) {
            return null; // not a change: a duplicate, a failed condition, a remove of nothing
        }
        return new Change(record.partition(), record.offset(), recordKey, revision.type(), valid.event().value(),
                valid.event().id(), revision.time());
    }

    private boolean matches(String changedKey) {
        return (key != null ? key.equals(changedKey) : changedKey.startsWith(prefix))
                && (readsAll || reader.may(Permission.READ, changedKey));
    }

    /** Who opened it. */
    Principal reader() {
        return reader;
    }

    /** Thrown when the client does not read what it is sent. */
    private static final class SlowClient extends Exception {
        SlowClient(String message) {
            super(message);
        }
    }

    /** Thrown when the log gives a catch-up nothing for too long. */
    private static final class LogStalled extends Exception {
        LogStalled(String message) {
            super(message);
        }
    }

    /** Hands a catch-up batch to the context, empties {@code frames}, and waits until the client has taken it in. */
    private void send(StringBuilder frames) throws SlowClient, InterruptedException {
        Buffer data = Buffer.buffer(frames.toString());
        frames.setLength(0);
        CompletableFuture<Void> taken = new CompletableFuture<>();
        sending = taken; // close() completes it: a client gone does not hold this thread
        context.runOnContext(v -> {
            if (closed) {
                taken.complete(null);
                return;
            }
            response.write(data);
            if (response.writeQueueFull()) {
                response.drainHandler(drained -> taken.complete(null));
            } else {
                taken.complete(null);
            }
        });
        try {
            taken.get(SLOW_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new SlowClient("the client did not read " + data.length() + " bytes of history within "
                    + SLOW_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new InterruptedException("closed");
        } finally {
            sending = null;
        }
    }

    /** From the feed, when it dropped this watch's listener (it threw): the watch cannot go on. */
    private void dropped(Throwable failure) {
        closeFromAnyThread(INTERNAL, "this watch stopped receiving changes: " + failure);
    }

    /** From the feed, on the applying thread: queue it, and hop to the context. */
    private void applied(int partition, long offset, Change change) {
        if (key != null && partition != scope.get(0)) {
            return;
        }
        boolean overflowed;
        boolean queued;
        synchronized (this) {
            if (overflow || closed) {
                return;
            }
            queued = change != null && matches(change.key());
            if (queued) {
                long cost = cost(change);
                // one change alone never overflows, however large: the client is not behind yet
                if (!queue.isEmpty() && (bufferedBytes + cost > maxBufferedBytes
                        || nodeBuffered.get() + cost > maxNodeBufferedBytes)) {
                    overflow = true;
                    queue.clear();
                    nodeBuffered.addAndGet(-bufferedBytes);
                    bufferedBytes = 0;
                } else {
                    queue.add(change);
                    bufferedBytes += cost;
                    nodeBuffered.addAndGet(cost);
                }
            }
            seen[partition] = offset;
            overflowed = overflow;
        }
        if (overflowed) {
            // not through the drain: it waits for a client that does not read
            closeFromAnyThread(TOO_SLOW, "this watcher fell more than " + maxBufferedBytes
                    + " bytes of changes behind (or the node's watchers hold " + maxNodeBufferedBytes
                    + " bytes together); resume from its last event id");
            return;
        }
        if (queued) {
            scheduleDrain(); // what changed nothing here only moves seen: the next drain or progress takes it
        }
    }

    private static long cost(Change change) {
        return CHANGE_OVERHEAD + 2L * (change.key().length() + (change.value() == null ? 0 : change.value().length()));
    }

    private void scheduleDrain() {
        if (live && drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    /** On the context: the catch-up is over; from here the queue feeds the client. */
    private void goLive() {
        if (closed) {
            return;
        }
        live = true;
        progressWanted = true; // tell the client it has caught up
        timer = context.owner().setPeriodic(TimeUnit.NANOSECONDS.toMillis(progressNanos), t -> requestProgress());
        drain();
    }

    /** Sends a progress event as soon as everything queued before it is sent. */
    void requestProgress() {
        context.runOnContext(v -> {
            if (!copy.ready()) {
                close("NOT_READY", "this node's copy stopped applying: " + copy.state());
                return;
            }
            if (live) {
                progressWanted = true;
                drain();
            } else {
                progressRequested = true; // the catch-up sends it with its next batch
            }
        });
    }

    /** On the context: sends what is queued, as far as the client takes it. */
    private void drain() {
        drainScheduled.set(false);
        if (!live || closed) {
            return;
        }
        StringBuilder out = new StringBuilder();
        while (true) {
            if (response.writeQueueFull()) {
                flush(out);
                response.drainHandler(v -> drain());
                return;
            }
            Change change;
            boolean overflowed;
            synchronized (this) {
                overflowed = overflow;
                change = queue.poll();
                if (change != null) {
                    long cost = cost(change);
                    bufferedBytes -= cost;
                    nodeBuffered.addAndGet(-cost);
                } else {
                    // nothing queued: every change up to what the feed has shown was sent
                    for (int p : scope) {
                        delivered[p] = Math.max(delivered[p], seen[p]);
                    }
                }
            }
            if (overflowed) {
                return; // closing
            }
            if (change == null) {
                break;
            }
            if (change.offset() <= delivered[change.partition()]) {
                continue; // read from the log already
            }
            delivered[change.partition()] = change.offset();
            appendChange(out, change);
            if (out.length() > FLUSH_BYTES) {
                flush(out);
            }
        }
        if (progressWanted) {
            progressWanted = false;
            appendProgress(out, true);
        }
        flush(out);
    }

    private void flush(StringBuilder out) {
        if (!out.isEmpty()) {
            response.write(out.toString());
            out.setLength(0);
        }
    }

    private void appendChange(StringBuilder out, Change change) {
        changesSent++;
        out.append("id: ");
        appendPosition(out);
        out.append('\n')
                .append("data: ").append(ENCODED.json(change)).append("\n\n");
    }

    /** Each change's JSON, made once for all the watchers that send it around the same time. */
    private static final EncodedChanges ENCODED = new EncodedChanges(1024);

    /** A small cache of the JSON of recent changes, by identity; lock-free, any thread. */
    static final class EncodedChanges {
        private record Encoded(Change change, String json) {
        }

        private final java.util.concurrent.atomic.AtomicReferenceArray<Encoded> slots;

        EncodedChanges(int size) {
            slots = new java.util.concurrent.atomic.AtomicReferenceArray<>(size);
        }

        String json(Change change) {
            int slot = (int) Math.floorMod(change.offset() * 31 + change.partition(), (long) slots.length());
            Encoded cached = slots.get(slot);
            if (cached != null && cached.change() == change) {
                return cached.json();
            }
            String json = new JsonObject().put("key", change.key()).put("type", change.type().label())
                    .put("value", change.value()).put("version", change.version())
                    .put("token", change.token().toString()).put("id", change.id())
                    .put("time", Instant.ofEpochMilli(change.time()).toString()).encode();
            slots.set(slot, new Encoded(change, json));
            return json;
        }
    }

    private void appendProgress(StringBuilder out, boolean caughtUp) {
        String position = position().toString();
        out.append("event: progress\nid: ").append(position).append('\n')
                .append("data: ").append(new JsonObject().put("positions", position).put("caughtUp", caughtUp)
                        .encode()).append("\n\n");
    }

    /** Forgets a watch that never began (nothing was written: the request is answered otherwise). */
    void discard() {
        closed = true;
        onClose.accept(null);
    }

    /** {@link #close} from any thread. */
    void closeFromAnyThread(String code, String message) {
        context.runOnContext(v -> close(code, message));
    }

    /**
     * Ends the stream (on the context), with an {@code error} event first if {@code code} is not
     * null; stops the catch-up and leaves the feed.
     */
    void close(String code, String message) {
        if (closed) {
            return;
        }
        closed = true;
        if (subscription != null) {
            subscription.close();
        }
        Consumer<byte[], byte[]> consumer = catchUpConsumer;
        if (consumer != null) {
            consumer.wakeup();
        }
        CompletableFuture<Void> pending = sending;
        if (pending != null) {
            pending.completeExceptionally(new IllegalStateException("closed"));
        }
        if (timer >= 0) {
            context.owner().cancelTimer(timer);
        }
        synchronized (this) {
            queue.clear();
            nodeBuffered.addAndGet(-bufferedBytes);
            bufferedBytes = 0;
        }
        if (!response.ended() && !response.closed()) {
            if (code != null) {
                response.write("event: error\ndata: " + new JsonObject().put("error", code).put("message", message)
                        .encode() + "\n\n");
            }
            if (code == null) {
                response.end();
            } else {
                // a stream that ended with an error ends its connection too, once the client has it
                response.end().onComplete(written -> closeConnection.run());
            }
            if (TOO_SLOW.equals(code)) {
                // what is written waits for the client; one that never reads loses the connection
                context.owner().setTimer(SLOW_TIMEOUT.toMillis(), t -> {
                    if (!response.closed()) {
                        closeConnection.run();
                    }
                });
            }
        }
        LOG.debug("Watch {} closed ({} changes sent){}", id, changesSent, code == null ? "" : ": " + code);
        onClose.accept(code);
    }
}
