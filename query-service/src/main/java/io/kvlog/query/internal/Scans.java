package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.materializer.Read;
import io.kvlog.protocol.Token;
import io.kvlog.protocol.Topics;
import io.kvlog.query.Consistency;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Scans across all partitions: one {@link PartitionPager} per partition, reading this node's
 * copy or asking the node that holds the right one, merged by {@link ScanMerge}.
 *
 * <ul>
 *   <li>{@code linearizable}: every partition from its active copy, once it has applied the
 *       partition's high watermark as read when the page was asked for (one lookup for all).</li>
 *   <li>{@code session}: any copy, this node's first; the token's partition only from a copy
 *       that has applied it.</li>
 *   <li>{@code eventual}: any copy, this node's first, at once.</li>
 * </ul>
 * Each page is read afresh: pages of one scan are not one snapshot.
 */
public final class Scans {

    /** A page stops growing past this many characters of keys and values. */
    public static final long MAX_PAGE_CHARS = 8L * 1024 * 1024;

    private final Vertx vertx;
    private final LocalCopies copies;
    private final ReadIndex readIndex;
    private final ReadBarrier barrier;
    private final Forwarder forwarder;
    private final PartitionCount partitions;
    private final HostInfo self;

    public Scans(Vertx vertx, LocalCopies copies, ReadIndex readIndex, ReadBarrier barrier, Forwarder forwarder,
                 PartitionCount partitions, HostInfo self) {
        this.vertx = vertx;
        this.copies = copies;
        this.readIndex = readIndex;
        this.barrier = barrier;
        this.forwarder = forwarder;
        this.partitions = partitions;
        this.self = self;
    }

    /** One page of the scan of {@code range}. */
    public Future<ScanMerge.Page> scan(KeyRange range, int limit, Consistency consistency, Optional<Token> after,
                                       Deadline deadline) {
        return Future.fromCompletionStage(partitions.get(), vertx.getOrCreateContext())
                .recover(failure -> Future.failedFuture(ApiException.unavailable(
                        "cannot learn the partitions of " + Topics.EVENTS + ": " + failure.getMessage())))
                .compose(count -> {
                    if (after.isPresent() && after.get().partition() >= count) {
                        return Future.failedFuture(new IllegalArgumentException("after: token " + after.get()
                                + " is for partition " + after.get().partition() + ", but " + Topics.EVENTS + " has "
                                + count + " partitions"));
                    }
                    return bounds(count, consistency, after).compose(bounds -> {
                        List<PartitionPager> pagers = new ArrayList<>(count);
                        for (int p = 0; p < count; p++) {
                            pagers.add(new RoutedPager(p, bounds.getOrDefault(p, -1L),
                                    consistency == Consistency.LINEARIZABLE, deadline));
                        }
                        return ScanMerge.merge(pagers, range, limit, ScanMerge.fetchSize(limit, count), MAX_PAGE_CHARS,
                                deadline);
                    });
                });
    }

    /**
     * One page of this node's copy (for a scan coordinated by another node): once the copy has
     * applied {@code atLeast}, waiting within the deadline. Fails with a 503 {@link ApiException}
     * (code {@code NOT_HOSTED} when this node holds no fitting copy, so the caller looks elsewhere).
     */
    public Future<RangePage> localPage(RangeRequest request, Deadline deadline) {
        Promise<RangePage> result = Promise.promise();
        readLocal(request, deadline, result);
        return result.future();
    }

    private void readLocal(RangeRequest request, Deadline deadline, Promise<RangePage> result) {
        vertx.executeBlocking(() -> LocalRange.read(copies, request), false).onComplete(done -> {
            if (done.failed()) {
                result.tryFail(ApiException.unavailable("reading partition " + request.partition() + " failed: "
                        + done.cause()));
                return;
            }
            Read<RangePage> read = done.result();
            if (read instanceof Read.Hit<RangePage> hit) {
                result.tryComplete(hit.value());
                return;
            }
            Read.Miss<RangePage> miss = (Read.Miss<RangePage>) read;
            if (deadline.expired()) {
                result.tryFail(ApiException.unavailable("this node's copy of partition " + request.partition()
                        + " could not answer in time: " + miss.reason() + " " + miss.message()));
                return;
            }
            switch (miss.reason()) {
                case NOT_UP_TO_BOUND -> barrier.await(request.partition(), request.atLeast(), request.requireActive(),
                        deadline).onComplete(waited -> readLocal(request, deadline, result));
                case NOT_RUNNING -> vertx.setTimer(KeyReads.RETRY_MILLIS, id -> readLocal(request, deadline, result));
                case NOT_ACTIVE, NOT_HOSTED -> result.tryFail(new ApiException(503, "NOT_HOSTED",
                        "this node holds no " + (request.requireActive() ? "active " : "") + "copy of partition "
                                + request.partition() + ": " + miss.message()));
                case FAILED -> result.tryFail(ApiException.unavailable("the store of partition "
                        + request.partition() + " failed: " + miss.message()));
            }
        });
    }

    private Future<Map<Integer, Long>> bounds(int count, Consistency consistency, Optional<Token> after) {
        if (consistency == Consistency.LINEARIZABLE) {
            Set<Integer> all = IntStream.range(0, count).boxed().collect(Collectors.toSet());
            return Future.fromCompletionStage(readIndex.highWatermarks(all), vertx.getOrCreateContext())
                    .map(highWatermarks -> {
                        Map<Integer, Long> bounds = new HashMap<>();
                        highWatermarks.forEach((p, hw) -> bounds.put(p, hw - 1));
                        return bounds;
                    })
                    .recover(failure -> Future.failedFuture(ApiException.unavailable(
                            "scan: cannot read the high watermarks of " + Topics.EVENTS + ": " + failure.getMessage())));
        }
        Map<Integer, Long> bounds = new HashMap<>();
        if (consistency == Consistency.SESSION) {
            after.ifPresent(token -> bounds.put(token.partition(), token.offset()));
        }
        return Future.succeededFuture(bounds);
    }

    /** Where a partition's page is read: here, or at a node. */
    private record Target(HostInfo node, String why) {
        boolean local() {
            return node == null && why == null;
        }
    }

    /** Pages through one partition, finding its copy again whenever the last one stopped answering. */
    private final class RoutedPager implements PartitionPager {
        final int partition;
        final long atLeast;
        final boolean requireActive;
        final Deadline deadline;
        Target target;

        RoutedPager(int partition, long atLeast, boolean requireActive, Deadline deadline) {
            this.partition = partition;
            this.atLeast = atLeast;
            this.requireActive = requireActive;
            this.deadline = deadline;
        }

        @Override
        public Future<RangePage> next(KeyRange range, int max) {
            Promise<RangePage> result = Promise.promise();
            attempt(new RangeRequest(partition, range, max, atLeast, requireActive), result, "nothing yet");
            return result.future();
        }

        void attempt(RangeRequest request, Promise<RangePage> result, String last) {
            if (deadline.expired()) {
                result.tryFail(ApiException.unavailable("scan: no copy of partition " + partition
                        + " answered in time; last: " + last));
                return;
            }
            Future<Target> where = target != null ? Future.succeededFuture(target)
                    : vertx.executeBlocking(this::locate, false);
            where.onComplete(located -> {
                if (located.failed() || located.result().why() != null) {
                    String why = located.failed() ? String.valueOf(located.cause()) : located.result().why();
                    vertx.setTimer(KeyReads.RETRY_MILLIS, id -> attempt(request, result, why));
                    return;
                }
                target = located.result();
                Future<RangePage> page = target.local() ? localPage(request, deadline)
                        : forwarder.range(target.node(), request, deadline);
                page.onComplete(answer -> {
                    if (answer.succeeded()) {
                        result.tryComplete(answer.result());
                        return;
                    }
                    target = null; // look again: the copy may have moved
                    vertx.setTimer(KeyReads.RETRY_MILLIS, id -> attempt(request, result, answer.cause().getMessage()));
                });
            });
        }

        /** Runs off the event loop. */
        Target locate() {
            Boolean localActive = copies.localCopies().get(partition);
            if (localActive != null && (localActive || !requireActive)) {
                return new Target(null, null);
            }
            HostInfo active = null;
            Set<HostInfo> standbys = new HashSet<>();
            TopicPartition tp = new TopicPartition(Topics.EVENTS, partition);
            for (StreamsMetadata node : copies.allNodes()) {
                if (node.topicPartitions().contains(tp)) {
                    active = node.hostInfo();
                } else if (node.standbyTopicPartitions().contains(tp)) {
                    standbys.add(node.hostInfo());
                }
            }
            if (active != null && !active.equals(self)) {
                return new Target(active, null);
            }
            if (!requireActive) {
                standbys.remove(self);
                if (!standbys.isEmpty()) {
                    return new Target(standbys.iterator().next(), null);
                }
            }
            return new Target(null, "no " + (requireActive ? "active " : "") + "copy of partition " + partition
                    + " is known (rebalancing)");
        }
    }
}
