package io.kvlog.materializer;

import io.kvlog.protocol.Outcome;

/** The outcomes of one partition, by event id, as the {@link Applier} reads and writes them. */
public interface OutcomeTable {

    /** The first outcome recorded for the id (within the dedupe window), or null. */
    Outcome get(String id);

    void put(String id, Outcome outcome);

    /** Records what has been applied; written after the event's outcome, with every event. */
    void progress(Progress progress);
}
