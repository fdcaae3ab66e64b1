package io.kvlog.http;

/**
 * Who this node is, for the {@code X-KV-Node} header every reply carries.
 *
 * @param nodeId this node's id, e.g. {@code node-1}
 * @param url    this node's base URL, e.g. {@code http://127.0.0.1:8081}
 */
public record NodeIdentity(String nodeId, String url) {

    /** The header naming the node that served a reply. */
    public static final String NODE_HEADER = "X-KV-Node";
}
