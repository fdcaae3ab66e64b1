package io.kvlog.kafka;

/**
 * What the cluster's state file records about one kvlog node process.
 *
 * @param id   node id, 1-based
 * @param port HTTP port on 127.0.0.1
 * @param dir  the node's directory (log file, state), relative to the cluster's data dir
 * @param pid  process id of the last start, 0 if never started
 */
public record NodeState(int id, int port, String dir, long pid) {

    public NodeState withPid(long newPid) {
        return new NodeState(id, port, dir, newPid);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }
}
