package io.kvlog.query.internal;

/** Header names and internal paths of the read path, between nodes and towards clients. */
public final class Wire {

    /** Which copy served a read: {@code active} or {@code standby}. */
    public static final String COPY_HEADER = "X-KV-Copy";
    /**
     * How many offsets the serving copy trailed the partition's high watermark by, as last
     * known on the serving node ({@code unknown} before the first lookup).
     */
    public static final String LAG_HEADER = "X-KV-Lag";
    /** Set on a request one node forwards to another (value: the forwarding node), so it is not forwarded again. */
    public static final String FORWARDED_HEADER = "X-KV-Forwarded";
    /** Milliseconds the forwarding node still waits for the answer; the owner answers within it. */
    public static final String DEADLINE_HEADER = "X-KV-Deadline-Ms";
    /** On a forwarded reply: the node the client asked, which forwarded it. */
    public static final String VIA_HEADER = "X-KV-Via";

    /** One page of one partition's copy on this node (for scans coordinated elsewhere). */
    public static final String RANGE_PATH = "/v1/internal/range";
    /** This node's copies and their positions (for {@code /v1/cluster} on other nodes). */
    public static final String COPIES_PATH = "/v1/internal/copies";

    private Wire() {
    }

    /** The copy kind as the header and JSON spell it. */
    public static String copy(boolean active) {
        return active ? "active" : "standby";
    }
}
