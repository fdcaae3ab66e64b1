package io.kvlog.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.kvlog.protocol.Event;
import io.kvlog.protocol.Expect;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WriteRequestTest {

    @Test
    void anUnconditionalInsertOrRemoveWaitsForWhatWasAsked() {
        // Given unconditional inserts and removes, When each ack level is asked, Then it is the one waited for
        for (AckLevel ack : AckLevel.values()) {
            assertEquals(ack, new WriteRequest("k", Event.insert("i1", "v"), ack).effectiveAck());
            assertEquals(ack, new WriteRequest("k", Event.remove("i2"), ack).effectiveAck());
        }
    }

    @Test
    void conditionalWritesAndAppendsWaitAtLeastForTheApply() {
        // Given writes whose reply depends on the apply decision
        WriteRequest conditional = new WriteRequest("k", Event.insert("i1", "v").expecting(Expect.version(0)), AckLevel.LOG);
        WriteRequest removeIfExists = new WriteRequest("k", Event.remove("i2").expecting(Expect.exists(true)), AckLevel.LOG);
        WriteRequest append = new WriteRequest("k", Event.append("i3", "x"), AckLevel.LOG);
        WriteRequest appendAll = new WriteRequest("k", Event.append("i4", "x"), AckLevel.ALL);

        // When asked for wait=log, Then they wait for applied; and all stays all
        assertEquals(AckLevel.APPLIED, conditional.effectiveAck());
        assertEquals(AckLevel.APPLIED, removeIfExists.effectiveAck());
        assertEquals(AckLevel.APPLIED, append.effectiveAck());
        assertEquals(AckLevel.ALL, appendAll.effectiveAck());
    }

    @Test
    void configRejectsNonsenseNamingTheValue() {
        // Given the defaults, When a setting is out of range, Then construction fails naming it
        WriterConfig defaults = WriterConfig.defaults("127.0.0.1:9092");
        assertEquals(Duration.ofMillis(1000), defaults.ackTimeout());
        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
                () -> defaults.withAckTimeout(Duration.ZERO));
        assertEquals("ackTimeout: must be >= 1 ms, got PT0S", timeout.getMessage());
        IllegalArgumentException inFlight = assertThrows(IllegalArgumentException.class, () -> defaults.withMaxInFlight(0));
        assertEquals("maxInFlight: must be >= 1, got 0", inFlight.getMessage());
    }
}
