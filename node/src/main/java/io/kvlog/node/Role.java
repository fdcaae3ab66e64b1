package io.kvlog.node;

/** What a node does; a node runs any of them on one HTTP port (default: all). */
public enum Role {
    /** The write API: appends events to kv.events. */
    WRITER,
    /** Applies all of kv.events into this node's copy (RocksDB). */
    MATERIALIZER,
    /** The read API: answers from this node's copy. Needs MATERIALIZER. */
    QUERY
}
