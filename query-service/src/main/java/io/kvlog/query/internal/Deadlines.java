package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * The last line of a deadline: whatever a read waits on (a store read stuck behind a restoring
 * copy, a worker pool full of them), its reply goes out shortly after the deadline.
 */
public final class Deadlines {

    /** How long after the deadline the guard answers, so the read's own, more telling 503 wins when it can. */
    static final long GRACE_MILLIS = 100;

    private Deadlines() {
    }

    /** {@code work}, or a 503 naming {@code what} if it is not done {@value #GRACE_MILLIS} ms after {@code deadline}. */
    public static <T> Future<T> guard(Vertx vertx, Future<T> work, Deadline deadline, String what) {
        Promise<T> result = Promise.promise();
        long timer = vertx.setTimer(deadline.remainingMillis() + GRACE_MILLIS, id -> result.tryFail(
                ApiException.unavailable(what + " did not finish in time (the copy or the worker pool is stuck)")));
        work.onComplete(done -> {
            vertx.cancelTimer(timer);
            if (done.succeeded()) {
                result.tryComplete(done.result());
            } else {
                result.tryFail(done.cause());
            }
        });
        return result.future();
    }
}
