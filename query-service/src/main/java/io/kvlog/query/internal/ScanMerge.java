package io.kvlog.query.internal;

import io.kvlog.protocol.KeyOrder;
import io.kvlog.http.ApiException;
import io.kvlog.protocol.Entry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * A key-ordered page of a scan over all partitions: a k-way merge of per-partition pages,
 * fetched as they are needed. Memory stays bounded by what is buffered per partition (at most
 * {@code fetchSize} entries each) and by the page itself; tombstones are dropped.
 *
 * <p>The page ends at {@code limit} items, at {@code maxBytes} of keys and values, or at the
 * deadline if it has items by then; it then carries the last key, for the cursor. Null last key =
 * the scan is complete.
 */
public final class ScanMerge {

    /** A page of a scan: live items in key order, and the last key if more may follow. */
    public record Page(List<KeyValue<String, Entry>> items, String lastKey) {
    }

    private final class Source {
        final PartitionPager pager;
        final ArrayDeque<KeyValue<String, Entry>> buffer = new ArrayDeque<>();
        KeyRange rest;
        boolean exhausted;

        Source(PartitionPager pager, KeyRange range) {
            this.pager = pager;
            this.rest = range;
        }

        Future<Void> fill() {
            return pager.next(rest, fetchSize).map(page -> {
                buffer.addAll(page.items());
                if (!page.items().isEmpty()) {
                    rest = rest.after(page.items().get(page.items().size() - 1).key);
                }
                exhausted = page.exhausted();
                return null;
            });
        }
    }

    private final List<Source> sources = new ArrayList<>();
    private final int limit;
    private final int fetchSize;
    private final long maxBytes;
    private final Deadline deadline;
    private final List<KeyValue<String, Entry>> items = new ArrayList<>();
    private final Promise<Page> result = Promise.promise();
    private long bytes;

    private ScanMerge(List<PartitionPager> pagers, KeyRange range, int limit, int fetchSize, long maxBytes,
                      Deadline deadline) {
        pagers.forEach(pager -> sources.add(new Source(pager, range)));
        this.limit = limit;
        this.fetchSize = fetchSize;
        this.maxBytes = maxBytes;
        this.deadline = deadline;
    }

    /** Merges the partitions' pages of {@code range} into one page of at most {@code limit} items. */
    public static Future<Page> merge(List<PartitionPager> pagers, KeyRange range, int limit, int fetchSize,
                                     long maxBytes, Deadline deadline) {
        ScanMerge merge = new ScanMerge(pagers, range, limit, fetchSize, maxBytes, deadline);
        merge.step();
        return merge.result.future();
    }

    /**
     * Entries fetched per partition and round trip: enough that a page usually needs one fetch
     * per partition when keys spread evenly, at least 16, never more than the page needs.
     */
    public static int fetchSize(int limit, int partitions) {
        int even = (int) Math.min(Integer.MAX_VALUE, 2L * limit / Math.max(1, partitions) + 1);
        return Math.max(1, Math.min(limit + 1, Math.max(16, even)));
    }

    private void step() {
        List<Future<Void>> fills = new ArrayList<>();
        for (Source source : sources) {
            if (source.buffer.isEmpty() && !source.exhausted) {
                fills.add(source.fill());
            }
        }
        if (!fills.isEmpty()) {
            if (deadline.expired()) {
                endEarly();
                return;
            }
            Future.all(fills).onComplete(done -> {
                if (done.failed()) {
                    result.tryFail(done.cause());
                } else {
                    step();
                }
            });
            return;
        }
        while (true) {
            Source smallest = null;
            for (Source source : sources) {
                if (!source.buffer.isEmpty() && (smallest == null
                        || KeyOrder.INSTANCE.compare(source.buffer.peekFirst().key, smallest.buffer.peekFirst().key) < 0)) {
                    smallest = source;
                }
            }
            if (smallest == null) {
                result.tryComplete(new Page(items, null)); // every partition exhausted
                return;
            }
            KeyValue<String, Entry> next = smallest.buffer.pollFirst();
            if (next.value.present()) {
                items.add(next);
                bytes += next.key.length() + next.value.value().length();
                if (items.size() >= limit || bytes >= maxBytes) {
                    result.tryComplete(new Page(items, next.key));
                    return;
                }
            }
            if (smallest.buffer.isEmpty() && !smallest.exhausted) {
                step(); // its next key is unknown: fetch before choosing again
                return;
            }
        }
    }

    private void endEarly() {
        if (items.isEmpty()) {
            result.tryFail(ApiException.unavailable("scan: the copies did not answer within the read timeout"));
        } else {
            result.tryComplete(new Page(items, items.get(items.size() - 1).key));
        }
    }
}
