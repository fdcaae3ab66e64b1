package io.kvlog.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * What a node says of itself, {@code GET /v1/node} (design version 2: every node holds a full
 * copy). Fields the node adds later are ignored; fields it leaves out are null (false for
 * {@code ready}).
 *
 * @param node    its name, e.g. {@code node-1}
 * @param applied partition → last offset its copy applied there ({@code -1}: none yet)
 * @param lag     events its copy is behind the log, over all partitions; null if unknown
 * @param restore the replay the node did, or does, at start; null if it does not say
 */
record NodeDescription(String node, int id, String url, List<String> roles, boolean ready, String state,
        Map<Integer, Long> applied, Long lag, Restore restore) {

    static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Progress of the replay at start.
     *
     * @param events          events replayed so far
     * @param eventsPerSecond their rate
     * @param remaining       events still to replay up to the high watermarks seen at start
     * @param done            true once it has caught up to them
     */
    record Restore(long events, double eventsPerSecond, long remaining, boolean done) {
    }

    /** Parses the body of {@code GET /v1/node}; IllegalArgumentException naming the body if it is not that. */
    static NodeDescription parse(String body) {
        try {
            return JSON.readValue(body, NodeDescription.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a /v1/node reply: " + body + " (" + e.getMessage() + ")", e);
        }
    }

    /** Events applied by this copy over all partitions (offset + 1 summed); 0 if it says nothing. */
    long appliedEvents() {
        return appliedEvents(applied);
    }

    /** The events that applied positions stand for: the sum of offset + 1 over the partitions. */
    static long appliedEvents(Map<Integer, Long> applied) {
        return applied == null ? 0 : applied.values().stream().mapToLong(offset -> offset == null ? 0 : offset + 1).sum();
    }
}
