package io.kvlog.protocol;

import java.util.Objects;

/**
 * One event on {@link Topics#EVENTS}: a change to the key the record is keyed by.
 *
 * <p>On the log it is JSON ({@link EventCodec}):
 * {@code {"v":1,"type":"Insert","id":"…","value":"…","expect":{"version":5}}}. The key is not
 * part of the event: it is the record key, so the default partitioner keeps per-key order.
 *
 * @param type   what the event does
 * @param id     the at-most-once id: 1-128 chars of {@code [A-Za-z0-9._:-]}; null for an event that is
 *               applied and never deduplicated (another producer may write such events)
 * @param value  the value ({@code Insert}) or suffix ({@code Append}); null for {@code Remove}.
 *               Its size limit ({@code max-value-bytes}) is the writer's to check, not the log's.
 * @param expect the condition, or null for none
 */
public record Event(EventType type, String id, String value, Expect expect) {

    /** The format version, the {@code "v"} field. */
    public static final int VERSION = 1;

    public Event {
        Objects.requireNonNull(type, "type");
        if (id != null) {
            Validation.id(id);
        }
        if (type == EventType.Remove) {
            if (value != null) {
                throw new IllegalArgumentException("value: must be absent for Remove, got " + Validation.quote(value));
            }
        } else {
            if (value == null) {
                throw new IllegalArgumentException("value: must be present for " + type + ", got none");
            }
            Validation.value(value, Integer.MAX_VALUE); // valid UTF-8; the size limit is the writer's
        }
    }

    public static Event insert(String id, String value) {
        return new Event(EventType.Insert, id, value, null);
    }

    public static Event remove(String id) {
        return new Event(EventType.Remove, id, null, null);
    }

    public static Event append(String id, String suffix) {
        return new Event(EventType.Append, id, suffix, null);
    }

    /** This event with the given condition. */
    public Event expecting(Expect condition) {
        return new Event(type, id, value, condition);
    }
}
