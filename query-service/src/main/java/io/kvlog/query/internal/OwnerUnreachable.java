package io.kvlog.query.internal;

/** A node a request was forwarded to did not answer (refused, reset, timed out): retry elsewhere or later. */
public final class OwnerUnreachable extends RuntimeException {

    public OwnerUnreachable(String message, Throwable cause) {
        super(message, cause);
    }
}
