package io.kvlog.writer.internal;

import io.kvlog.http.Deadline;
import io.kvlog.http.Members;
import io.kvlog.http.NodeSecurity;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * {@code wait=all}: confirms that every other live node's copy has applied an offset, by asking
 * each with a waiting call ({@code GET /v1/admin/applied}, answered once that node's apply
 * reaches the offset). A node that stops being live (its heartbeat older than the node timeout)
 * is not waited for any more, nor one whose copy is not ready; one that answers "not yet" or cannot be reached is asked again
 * while it is live and time is left. Runs on the caller's event loop.
 */
public final class PeerConfirmations implements AutoCloseable {

    /** How often a wait looks again at who is live. */
    private static final long LIVENESS_CHECK_MILLIS = 200;
    /** Pause before asking a node again that could not be reached. */
    private static final long RETRY_MILLIS = 50;

    private final Vertx vertx;
    private final Members members;
    private final String self;
    // created in the constructor, closed in close()
    private final WebClient client;
    /** This node's bearer token for the others; null with auth off. */
    private final String authorization;

    public PeerConfirmations(Vertx vertx, Members members, String self, Duration ackTimeout, NodeSecurity security) {
        this.vertx = vertx;
        this.members = members;
        this.self = self;
        // every write with wait=all holds one connection per other node while it waits
        this.client = WebClient.create(vertx, security.peers(new WebClientOptions().setKeepAlive(true)
                .setConnectTimeout((int) Math.max(100, ackTimeout.toMillis()))), new PoolOptions().setHttp1MaxSize(256));
        this.authorization = security.peerAuthorization();
    }

    /**
     * Completes once every other live node has applied {@code offset} of {@code partition} (or
     * stopped being live); fails at the deadline naming the nodes still waited for.
     *
     * @param stage set to what is waited for, for the caller's timeout message
     */
    public Future<Void> confirm(int partition, long offset, Deadline deadline, AtomicReference<String> stage) {
        Set<String> pending = new HashSet<>();
        // a node whose copy is not ready (replaying, failed) serves nothing yet: it is not waited for
        List<Members.Member> others = members.live().stream().filter(m -> m.ready() && !m.id().equals(self)).toList();
        if (others.isEmpty()) {
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        others.forEach(m -> pending.add(m.id()));
        Runnable settle = () -> {
            if (pending.isEmpty()) {
                done.tryComplete();
            } else {
                stage.set("offset " + offset + " of partition " + partition + " applied here, not yet confirmed by "
                        + pending.stream().sorted().collect(Collectors.joining(", ")));
            }
        };
        settle.run();
        long check = vertx.setPeriodic(LIVENESS_CHECK_MILLIS, id -> {
            Set<String> live = members.live().stream().map(Members.Member::id).collect(Collectors.toSet());
            pending.retainAll(live); // a node that is not live does not block
            settle.run();
        });
        // a little after the deadline: the writer's own timer answers first; this one only ends the wait
        long timeout = vertx.setTimer(Math.max(1, deadline.remainingMillis()) + 50, id -> done.tryFail(stage.get()));
        done.future().onComplete(ignored -> {
            vertx.cancelTimer(check);
            vertx.cancelTimer(timeout);
        });
        for (Members.Member member : others) {
            ask(member, partition, offset, deadline, done.future(), () -> {
                pending.remove(member.id());
                settle.run();
            });
        }
        return done.future();
    }

    private void ask(Members.Member member, int partition, long offset, Deadline deadline, Future<Void> overall,
                     Runnable confirmed) {
        if (overall.isComplete() || deadline.expired()) {
            return;
        }
        long waitMs = Math.max(1, deadline.remainingMillis());
        var request = client.getAbs(member.url() + Members.APPLIED_PATH);
        if (authorization != null) {
            request.putHeader("Authorization", authorization);
        }
        request
                .addQueryParam("partition", Integer.toString(partition))
                .addQueryParam("offset", Long.toString(offset))
                .addQueryParam("wait-ms", Long.toString(waitMs))
                .timeout(waitMs + 100)
                .send()
                .onComplete(answer -> {
                    if (answer.succeeded() && answer.result().statusCode() == 200) {
                        confirmed.run();
                    } else if (!overall.isComplete()) {
                        vertx.setTimer(RETRY_MILLIS, id -> ask(member, partition, offset, deadline, overall, confirmed));
                    }
                });
    }

    @Override
    public void close() {
        client.close();
    }
}
