package io.kvlog.kafka;

/**
 * What the cluster's state file records about one broker.
 *
 * @param id             node id, 1-based
 * @param port           client port on 127.0.0.1
 * @param controllerPort controller port on 127.0.0.1
 * @param dir            the broker's directory (config, log file, data), relative to the cluster's data dir
 * @param pid            process id of the last start, 0 if never started
 */
public record BrokerState(int id, int port, int controllerPort, String dir, long pid) {

    public BrokerState withPid(long newPid) {
        return new BrokerState(id, port, controllerPort, dir, newPid);
    }

    public String address() {
        return "127.0.0.1:" + port;
    }
}
