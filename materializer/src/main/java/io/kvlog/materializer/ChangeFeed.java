package io.kvlog.materializer;

import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live feed of what this copy applies, shared by every watcher on the node: the applier
 * publishes each applied record once, in offset order per partition, and every subscriber sees
 * it. A subscription starts exactly where this copy stood when it was made: it gets every record
 * applied after {@link Subscription#start()} and none at or before it, so a watcher that reads
 * the log up to {@code start} and then takes the feed misses nothing and repeats nothing.
 *
 * <p>Listeners run on the applying thread: they must be quick and must not block (queue and
 * hop to another thread). A listener that throws is logged, dropped and told so; the copy goes on.
 */
public final class ChangeFeed {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    /** Told of every record applied after its subscription's start. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param change what the record changed, or null if it changed nothing (the position
         *               still moved to {@code offset})
         */
        void applied(int partition, long offset, Change change);
    }

    /** A live subscription: close it to stop. */
    public interface Subscription extends AutoCloseable {
        /** Each partition's position when the subscription began: the feed starts after these. */
        long[] start();

        @Override
        void close();
    }

    private final AppliedPositions positions;
    private final CopyOnWriteArrayList<Filtered> listeners = new CopyOnWriteArrayList<>();

    public ChangeFeed(AppliedPositions positions) {
        this.positions = positions;
    }

    /** Subscribes {@code listener} from this copy's current positions on. */
    public Subscription subscribe(Listener listener) {
        return subscribe(listener, failure -> { });
    }

    /**
     * Subscribes {@code listener} from this copy's current positions on; {@code dropped} is told
     * if the listener threw and was dropped (it then misses everything after).
     */
    public Subscription subscribe(Listener listener, java.util.function.Consumer<Throwable> dropped) {
        long[] start = new long[positions.partitions()];
        Filtered filtered;
        // under the lock publish takes: a record is either published after the snapshot (and
        // passes the filter if the snapshot missed it) or before the subscription existed (and
        // then the snapshot, taken after its position advanced, covers it)
        synchronized (this) {
            for (int p = 0; p < start.length; p++) {
                start[p] = positions.applied(p);
            }
            filtered = new Filtered(listener, dropped, start.clone());
            listeners.add(filtered);
        }
        return new Subscription() {
            @Override
            public long[] start() {
                return start.clone();
            }

            @Override
            public void close() {
                listeners.remove(filtered);
            }
        };
    }

    /** How many subscriptions are open. */
    public int subscribers() {
        return listeners.size();
    }

    /** Publishes one applied record to every subscriber, after its position advanced: the applier's call. */
    public void publish(int partition, long offset, Change change) {
        // always under the lock, even with no listener: a subscription made meanwhile must see this
        // record either in its snapshot or here (an uncontended monitor costs about a volatile read)
        synchronized (this) {
            for (Filtered listener : listeners) {
                try {
                    listener.applied(partition, offset, change);
                } catch (RuntimeException e) {
                    LOG.error("A change listener failed on {}@{}; it is dropped", partition, offset, e);
                    listeners.remove(listener);
                    listener.dropped().accept(e);
                }
            }
        }
    }

    /** Passes on what comes after the start. */
    private record Filtered(Listener listener, java.util.function.Consumer<Throwable> dropped, long[] start) {
        void applied(int partition, long offset, Change change) {
            if (offset > start[partition]) {
                listener.applied(partition, offset, change);
            }
        }
    }
}
