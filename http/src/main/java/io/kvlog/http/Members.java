package io.kvlog.http;

import java.util.List;
import java.util.Map;

/**
 * The nodes of the cluster that are live now, as membership ({@code kv.nodes}) knows them: a
 * node is live while its last heartbeat is younger than the node timeout.
 */
public interface Members {

    /**
     * The waiting call every member answers ({@code ?partition=P&offset=O}: 200 once its copy has
     * applied offset O of partition P, 504 at the deadline); a writer's {@code wait=all} sends it
     * to each other live member.
     */
    String APPLIED_PATH = "/v1/admin/applied";

    /**
     * One live node.
     *
     * @param id             its name, e.g. {@code node-2}
     * @param url            where it serves HTTP
     * @param roles          what it runs (lower case)
     * @param started        when it started, ms since the epoch
     * @param ready          whether its copy had caught up at its last heartbeat
     * @param applied        partition → the last offset its copy had applied at its last heartbeat
     * @param heartbeatAgeMs how old its last heartbeat is
     */
    record Member(String id, String url, List<String> roles, long started, boolean ready, Map<Integer, Long> applied,
                  long heartbeatAgeMs) {
    }

    /** The live nodes, this one included once its first heartbeat is back, in id order. */
    List<Member> live();
}
