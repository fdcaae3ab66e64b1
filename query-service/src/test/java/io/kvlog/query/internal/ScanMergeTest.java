package io.kvlog.query.internal;

import io.kvlog.protocol.KeyOrder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.materializer.Read;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScanMergeTest {

    private static final int PARTITIONS = 5;
    private FakeCopies copies;
    private final TreeSet<String> live = new TreeSet<>(KeyOrder.INSTANCE);
    private final AtomicInteger fetches = new AtomicInteger();
    private int largestFetch;

    @BeforeEach
    void keysSpreadOverFivePartitions() {
        copies = new FakeCopies(PARTITIONS, new HostInfo("127.0.0.1", 1));
        for (int i = 0; i < 300; i++) {
            String key = (i % 3 == 0 ? "user:" : "item:") + String.format("%04d", i);
            copies.put(key, "v" + i);
            live.add(key);
        }
        for (int i = 0; i < 300; i += 7) { // tombstones among them
            String key = (i % 3 == 0 ? "user:" : "item:") + String.format("%04d", i);
            copies.remove(key);
            live.remove(key);
        }
    }

    private List<PartitionPager> pagers() {
        List<PartitionPager> pagers = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            pagers.add((range, max) -> {
                fetches.incrementAndGet();
                largestFetch = Math.max(largestFetch, max);
                Read<RangePage> read = LocalRange.read(copies, new RangeRequest(partition, range, max, -1, false));
                return Future.succeededFuture(((Read.Hit<RangePage>) read).value());
            });
        }
        return pagers;
    }

    private ScanMerge.Page page(KeyRange range, int limit) {
        return ScanMerge.merge(pagers(), range, limit, ScanMerge.fetchSize(limit, PARTITIONS), Long.MAX_VALUE,
                Deadline.in(Duration.ofSeconds(10))).toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void pagesFollowedByTheirCursorsReturnEveryLiveKeyOnceInOrder() {
        List<String> seen = new ArrayList<>();
        KeyRange range = KeyRange.ALL;
        int pages = 0;
        while (true) {
            ScanMerge.Page page = page(range, 37);
            page.items().forEach(item -> seen.add(item.key));
            pages++;
            if (page.lastKey() == null) {
                break;
            }
            assertEquals(37, page.items().size());
            range = KeyRange.of(null, null, null, page.lastKey());
        }

        assertEquals(new ArrayList<>(live), seen);
        assertTrue(pages >= live.size() / 37, "pages: " + pages);
    }

    @Test
    void aPrefixScanReturnsOnlyItsKeys() {
        ScanMerge.Page page = page(KeyRange.of("user:", null, null, null), 1000);

        assertEquals(live.stream().filter(k -> k.startsWith("user:")).toList(),
                page.items().stream().map(kv -> kv.key).toList());
        assertNull(page.lastKey());
    }

    @Test
    void tombstonesAreLeftOut() {
        ScanMerge.Page page = page(KeyRange.ALL, 1000);

        assertTrue(page.items().stream().noneMatch(kv -> kv.value.deleted()));
        assertEquals(live.size(), page.items().size());
    }

    @Test
    void eachPartitionIsFetchedInBoundedPagesNotWhole() {
        ScanMerge.Page page = page(KeyRange.ALL, 10);

        assertEquals(10, page.items().size());
        assertNotNull(page.lastKey());
        assertTrue(largestFetch <= 16, "largest fetch " + largestFetch);
        assertTrue(fetches.get() <= PARTITIONS * 2, "fetches " + fetches.get());
    }

    @Test
    void aPageStopsAtItsSizeBudgetWithACursor() {
        ScanMerge.Page page = ScanMerge.merge(pagers(), KeyRange.ALL, 1000, 64, 100, Deadline.in(Duration.ofSeconds(10)))
                .toCompletionStage().toCompletableFuture().join();

        assertTrue(page.items().size() < 20, "items " + page.items().size());
        assertEquals(page.items().get(page.items().size() - 1).key, page.lastKey());
    }

    @Test
    void fetchSizeSpreadsThePageOverThePartitions() {
        assertEquals(17, ScanMerge.fetchSize(100, 12));
        assertEquals(16, ScanMerge.fetchSize(50, 12));
        assertEquals(167, ScanMerge.fetchSize(1000, 12));
        assertEquals(2, ScanMerge.fetchSize(1, 12));
        assertEquals(1001, ScanMerge.fetchSize(1000, 1));
    }
}
