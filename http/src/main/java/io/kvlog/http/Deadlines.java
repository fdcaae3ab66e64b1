package io.kvlog.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Waiting within a {@link Deadline} on a Vert.x event loop. */
public final class Deadlines {

    /** How long after the deadline the guard answers, so the request's own, more telling reply wins when it can. */
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

    /**
     * {@code waiting} (completed by another thread, e.g. the apply) as a future of the calling
     * context, or {@code onTimeout}'s failure at the deadline; then {@code waiting} is cancelled,
     * so whoever would have completed it forgets it. Call on a Vert.x context.
     */
    public static <T> Future<T> await(Vertx vertx, CompletableFuture<T> waiting, Deadline deadline,
                                      Supplier<Throwable> onTimeout) {
        if (waiting.isDone() && !waiting.isCompletedExceptionally()) {
            return Future.succeededFuture(waiting.join());
        }
        Context context = vertx.getOrCreateContext();
        Promise<T> result = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, deadline.remainingMillis()), id -> {
            if (result.tryFail(onTimeout.get())) {
                waiting.cancel(false);
            }
        });
        waiting.whenComplete((value, failure) -> context.runOnContext(v -> {
            vertx.cancelTimer(timer);
            if (failure == null) {
                result.tryComplete(value);
            } else {
                result.tryFail(failure);
            }
        }));
        return result.future();
    }
}
