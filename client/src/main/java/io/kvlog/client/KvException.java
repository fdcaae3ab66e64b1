package io.kvlog.client;

/**
 * A request the cluster refused or could not serve. The message names the problem as the node
 * said it; {@link #status()} and {@link #error()} say which kind it is.
 */
public class KvException extends RuntimeException {

    private final int status;
    private final String error;
    private volatile String requestId;

    /**
     * @param status the HTTP status the node answered (0: no node answered)
     * @param error  the node's error code ({@code NOT_READY}, {@code OVERLOADED}, …)
     */
    public KvException(int status, String error, String message) {
        super(message);
        this.status = status;
        this.error = error;
    }

    public KvException(int status, String error, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.error = error;
    }

    /** The HTTP status the node answered; 0 when no node answered. */
    public int status() {
        return status;
    }

    /** The node's error code, a stable word such as {@code OVERLOADED} or {@code NOT_CAUGHT_UP}. */
    public String error() {
        return error;
    }

    /**
     * For a write, its request id (yours, or the one the client made): sending the write again
     * with it ({@link WriteOptions#withId}) takes effect at most once. Null for a read.
     */
    public String requestId() {
        return requestId;
    }

    void requestId(String id) {
        this.requestId = id;
    }
}
