package io.kvlog.writer;

import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventType;
import java.util.Objects;

/**
 * One write, checked: its key, the event to append (with its id) and the ack level asked for.
 * Conditional writes and appends always wait at least for {@link AckLevel#APPLIED}: their reply
 * depends on the decision taken when the event is applied.
 */
public record WriteRequest(String key, Event event, AckLevel ack) {

    public WriteRequest {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(ack, "ack");
    }

    /** The level actually waited for. */
    public AckLevel effectiveAck() {
        boolean needsOutcome = event.expect() != null || event.type() == EventType.Append;
        return needsOutcome && ack == AckLevel.LOG ? AckLevel.APPLIED : ack;
    }
}
