package io.kvlog.materializer;

import io.kvlog.protocol.Entry;

/** The entries of one partition, by user key, as the {@link Applier} reads and writes them. */
public interface EntryTable {

    /** The key's entry (possibly a tombstone), or null if the key was never written. */
    Entry get(String key);

    void put(String key, Entry entry);

    /** What has been applied to this table so far, or null before the first event. */
    Progress progress();

    /** Records what has been applied; written after the event's changes, with every event. */
    void progress(Progress progress);
}
