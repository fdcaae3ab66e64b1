package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AppliedPositionsTest {

    private final AppliedPositions positions = new AppliedPositions(2);

    @Test
    void waitersAreWokenByTheAdvanceThatReachesThemAndNoEarlier() {
        // Given waiters for offsets 3 and 5 of partition 0, and one of partition 1
        CompletableFuture<Long> three = positions.await(0, 3);
        CompletableFuture<Long> five = positions.await(0, 5);
        CompletableFuture<Long> other = positions.await(1, 0);

        // When partition 0 advances to 2, then to 4
        positions.advance(0, 2);
        assertFalse(three.isDone());
        positions.advance(0, 4);

        // Then only the waiter for 3 is done, with the position that woke it
        assertEquals(4L, three.join());
        assertFalse(five.isDone());
        assertFalse(other.isDone());
        assertEquals(2, positions.waiting());
        // and a position never goes back
        positions.advance(0, 1);
        assertEquals(4L, positions.applied(0));
    }

    @Test
    void aPositionAlreadyReachedCompletesAtOnceAndACancelledWaiterIsForgotten() {
        positions.advance(1, 10);
        assertEquals(10L, positions.await(1, 7).join());
        CompletableFuture<Long> cancelled = positions.await(1, 20);
        cancelled.cancel(false);
        assertEquals(0, positions.waiting());
        positions.advance(1, 30);
        assertTrue(cancelled.isCancelled());
        assertEquals(-1L, positions.applied(0));
        assertEquals(30L, positions.applied(1));
        assertThrows(IllegalArgumentException.class, () -> positions.await(2, 0));
    }

    @Test
    void waitersRegisteredWhileAnotherThreadAppliesAreAllWoken() throws Exception {
        // Given 2,000 waiters registered from one thread while another advances offset by offset
        List<CompletableFuture<Long>> waiters = new ArrayList<>();
        Thread applier = new Thread(() -> {
            for (long offset = 0; offset < 2_000; offset++) {
                positions.advance(0, offset);
            }
        });
        applier.start();
        for (long offset = 0; offset < 2_000; offset++) {
            waiters.add(positions.await(0, offset));
        }
        applier.join();

        // Then every one of them completes (none is lost to the race between look and register)
        for (CompletableFuture<Long> waiter : waiters) {
            assertTrue(waiter.get(5, TimeUnit.SECONDS) >= 0);
        }
    }
}
