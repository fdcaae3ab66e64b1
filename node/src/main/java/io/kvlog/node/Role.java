package io.kvlog.node;

/** What a node does; a node runs any of them on one HTTP port (default: all). */
public enum Role {
    /** The write API: appends events to kv.events. */
    WRITER,
    /** Applies kv.events into this node's RocksDB copies (active and standby). */
    MATERIALIZER,
    /** The read API: answers from this node's copies or forwards to the owner. Needs MATERIALIZER. */
    QUERY
}
