package io.kvlog.materializer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/** Which stream-thread failures a materializer survives by replacing the thread, and which stop it. */
class MaterializerFailureTest {

    @Test
    void aBrokenTransactionReplacesTheThread() {
        // Given the failure kv check saw after a broker was SIGKILLed: a commit refused as InvalidTxnState
        Throwable commitFailed = new StreamsException("Error encountered trying to commit a transaction",
                new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));

        // Then the thread is replaced (a new producer resumes from the last committed transaction)
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, Materializer.responseTo(commitFailed));
    }

    @Test
    void aProducerStuckAfterACommitTimeoutReplacesTheThread() {
        // Given the failure kv check saw with 2 of 3 brokers down: the producer's transaction manager refuses to go on
        IllegalStateException stuck = new IllegalStateException("Cannot attempt operation `sendOffsetsToTransaction`"
                + " because the previous call to `commitTransaction` timed out and must be retried");
        stuck.setStackTrace(new StackTraceElement[] {new StackTraceElement(
                "org.apache.kafka.clients.producer.internals.TransactionManager", "throwIfPendingState", null, 1272)});

        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD,
                Materializer.responseTo(new StreamsException("commit failed", stuck)));
    }

    @Test
    void anythingElseStopsTheMaterializer() {
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
                Materializer.responseTo(new StreamsException("store broken", new IllegalStateException("rocksdb"))));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, Materializer.responseTo(new IllegalStateException("bug")));
    }
}
