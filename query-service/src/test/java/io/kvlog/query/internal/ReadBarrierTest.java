package io.kvlog.query.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.materializer.Read;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ReadBarrierTest {

    private final Vertx vertx = Vertx.vertx();
    private final AtomicLong position = new AtomicLong(10);
    private final AtomicInteger polls = new AtomicInteger();
    private final ReadBarrier barrier = new ReadBarrier(vertx, (partition, active) -> {
        polls.incrementAndGet();
        return new Read.Hit<>(partition, position.get(), position.get());
    }, 2);

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void manyWaitersShareOnePollerAndAreReleasedWhenTheCopyCatchesUp() throws Exception {
        // Given 200 reads waiting for offset 20 while the copy is at 10
        List<Future<Void>> waits = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            waits.add(barrier.await(0, 20, true, Deadline.in(Duration.ofSeconds(10))));
        }
        Thread.sleep(50);
        assertTrue(waits.stream().noneMatch(Future::isComplete));
        int pollsWhileWaiting = polls.get();

        // When the copy applies offset 20
        position.set(20);

        // Then all are released, and the copy was polled about once per interval, not once per read
        Future.all(waits).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertTrue(pollsWhileWaiting < 50, "polls while waiting: " + pollsWhileWaiting);
        assertEquals(0, barrier.waiting());
    }

    @Test
    void aWaiterThatIsNotCaughtUpIsReleasedAtItsDeadline() throws Exception {
        long start = System.nanoTime();

        barrier.await(0, 11, true, Deadline.inMillis(100)).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);

        long waited = (System.nanoTime() - start) / 1_000_000;
        assertTrue(waited >= 95, "waited " + waited + " ms");
    }

    @Test
    void waitersForDifferentBoundsAreReleasedSeparately() throws Exception {
        Future<Void> low = barrier.await(0, 12, true, Deadline.in(Duration.ofSeconds(10)));
        Future<Void> high = barrier.await(0, 30, true, Deadline.in(Duration.ofSeconds(10)));

        position.set(12);
        low.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        Thread.sleep(20);

        assertFalse(high.isComplete());
        position.set(30);
        high.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
