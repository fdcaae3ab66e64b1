package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

/** When a materializer's start counts as done: it has been running once, and has not failed or stopped since. */
class MaterializerStartTest {

    @Test
    void aSecondRebalanceRightAfterTheFirstAssignmentIsNotAFailedStart() {
        // Given Streams reached RUNNING and the group rebalanced again before start() looked (3 nodes joining at once)
        // Then the start has succeeded: readiness follows the state from here
        assertTrue(Materializer.started(true, State.REBALANCING));
        assertTrue(Materializer.started(true, State.RUNNING));
    }

    @Test
    void neverRunningOrStoppedSinceIsAFailedStart() {
        // Still rebalancing at the deadline, never having run
        assertFalse(Materializer.started(false, State.REBALANCING));
        assertFalse(Materializer.started(false, State.CREATED));
        // Ran, then failed or was shut down
        assertFalse(Materializer.started(true, State.ERROR));
        assertFalse(Materializer.started(true, State.PENDING_ERROR));
        assertFalse(Materializer.started(true, State.PENDING_SHUTDOWN));
        assertFalse(Materializer.started(true, State.NOT_RUNNING));
    }
}
