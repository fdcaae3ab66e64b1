package io.kvlog.query.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadIndexTest {

    /** A broker whose answers the test releases by hand, recording what each lookup asked. */
    private static final class ManualBroker implements ReadIndex.HighWatermarkSource {
        final List<Set<Integer>> asked = new ArrayList<>();
        final List<CompletableFuture<Map<Integer, Long>>> pending = new ArrayList<>();

        @Override
        public synchronized CompletionStage<Map<Integer, Long>> latest(Set<Integer> partitions) {
            asked.add(partitions);
            CompletableFuture<Map<Integer, Long>> answer = new CompletableFuture<>();
            pending.add(answer);
            return answer;
        }

        void answer(int lookup, long highWatermark) {
            Map<Integer, Long> hws = new HashMap<>();
            asked.get(lookup).forEach(p -> hws.put(p, highWatermark + p));
            pending.get(lookup).complete(hws);
        }
    }

    @Test
    void aReadWithNothingInFlightStartsALookupAtOnce() {
        ManualBroker broker = new ManualBroker();
        ReadIndex index = new ReadIndex(broker);

        CompletableFuture<Long> hw = index.highWatermark(3);

        assertEquals(List.of(Set.of(3)), broker.asked);
        broker.answer(0, 100);
        assertEquals(103L, hw.join());
        assertEquals(103L, index.lastKnown(3).highWatermark());
    }

    @Test
    void readsArrivingDuringALookupWaitForTheNextOneAndShareIt() {
        // Given a lookup in flight for the first read
        ManualBroker broker = new ManualBroker();
        ReadIndex index = new ReadIndex(broker);
        CompletableFuture<Long> first = index.highWatermark(0);

        // When three more reads arrive before it returns
        CompletableFuture<Long> second = index.highWatermark(0);
        CompletableFuture<Long> third = index.highWatermark(1);
        CompletableFuture<Long> fourth = index.highWatermark(1);

        // Then they are not answered by the lookup that was already in flight (it may predate a write they saw acked)
        assertEquals(1, broker.asked.size());
        broker.answer(0, 10);
        assertEquals(10L, first.join());
        assertFalse(second.isDone());

        // and one lookup for both partitions answers all of them
        assertEquals(2, broker.asked.size());
        assertEquals(Set.of(0, 1), broker.asked.get(1));
        broker.answer(1, 20);
        assertEquals(20L, second.join());
        assertEquals(21L, third.join());
        assertEquals(21L, fourth.join());
        assertEquals(2, index.lookups());
    }

    @Test
    void manyConcurrentReadsCostAtMostOneLookupPerRoundTrip() throws Exception {
        // Given a broker that answers each lookup after 2 ms
        ExecutorService broker = Executors.newSingleThreadExecutor();
        List<Integer> lookupSizes = new ArrayList<>();
        ReadIndex index = new ReadIndex(partitions -> {
            synchronized (lookupSizes) {
                lookupSizes.add(partitions.size());
            }
            return CompletableFuture.supplyAsync(() -> {
                sleep(2);
                Map<Integer, Long> hws = new HashMap<>();
                partitions.forEach(p -> hws.put(p, 7L));
                return hws;
            }, broker);
        });

        // When 8 threads make 500 reads each
        int threads = 8;
        int perThread = 500;
        CountDownLatch done = new CountDownLatch(threads);
        ExecutorService readers = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            int partition = t % 4;
            readers.execute(() -> {
                for (int i = 0; i < perThread; i++) {
                    assertEquals(7L, index.highWatermark(partition).join());
                }
                done.countDown();
            });
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        readers.shutdownNow();
        broker.shutdownNow();

        // Then the broker saw far fewer lookups than reads (each read waits for at most two)
        long lookups = index.lookups();
        assertTrue(lookups < threads * perThread / 4, "lookups: " + lookups);
        assertTrue(lookupSizes.stream().anyMatch(size -> size > 1), "lookups batched partitions: " + lookupSizes);
    }

    @Test
    void aFailedLookupFailsItsReadsAndTheNextOneStillGoesOut() {
        ManualBroker broker = new ManualBroker();
        ReadIndex index = new ReadIndex(broker);
        CompletableFuture<Long> first = index.highWatermark(0);
        CompletableFuture<Long> second = index.highWatermark(0);

        broker.pending.get(0).completeExceptionally(new IllegalStateException("leader not available"));

        CompletionException failure = assertThrows(CompletionException.class, first::join);
        assertTrue(failure.getCause().getMessage().contains("leader not available"));
        assertEquals(2, broker.asked.size());
        broker.answer(1, 5);
        assertEquals(5L, second.join());
    }

    @Test
    void severalPartitionsAtOnceComeFromOneLookup() {
        ManualBroker broker = new ManualBroker();
        ReadIndex index = new ReadIndex(broker);

        CompletableFuture<Map<Integer, Long>> all = index.highWatermarks(Set.of(0, 1, 2));

        assertEquals(List.of(Set.of(0, 1, 2)), broker.asked);
        broker.answer(0, 100);
        assertEquals(Map.of(0, 100L, 1, 101L, 2, 102L), all.join());
    }

    @Test
    void refreshOnlyLooksUpWhatIsUnknownOrOld() {
        ManualBroker broker = new ManualBroker();
        ReadIndex index = new ReadIndex(broker);
        assertNull(index.lastKnown(4));

        index.refreshIfOlder(4, 1000);
        broker.answer(0, 1);
        index.refreshIfOlder(4, 1000);

        assertEquals(1, broker.asked.size());
        assertEquals(5L, index.lastKnown(4).highWatermark());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
