package io.kvlog.node;

import java.time.Duration;

/**
 * What one client connection may take of a node's HTTP server, so that slow or hostile clients
 * cannot hold it: sizes of a request's head, and how long a connection may stay open without a
 * request in flight or with a request whose head or body is still arriving.
 *
 * <p>A request in flight is never idle: a watch ({@code GET /v1/watch}) may stay open for as long
 * as it is watched, whatever its {@code progress-ms}. Idle is the time between requests.
 *
 * @param maxRequestLineBytes longest request line (method, target, version); longer is answered
 *                            414 and the connection closed (default 16384: a scan naming three
 *                            keys of the longest, percent-encoded, and a position vector — Netty's
 *                            default of 4096 refused a valid scan)
 * @param maxHeaderBytes      all header lines of a request together; larger is answered 431 and the
 *                            connection closed (default 8192, Netty's and Vert.x's)
 * @param headTimeout         a new connection that has not sent a whole request head within this
 *                            time is closed (default 10 s)
 * @param idleTimeout         a connection with no request in flight is closed after this time
 *                            (default 30 s); a half-sent next request does not count as one
 * @param bodyTimeout         a request's body must have arrived whole within this time of its head,
 *                            else the request is answered 408 and the connection closed (default
 *                            30 s: a 1 MiB value must arrive at 35 KB/s or faster)
 * @param maxConnections      open connections; a connection beyond them is closed as it opens
 *                            (default 4096)
 */
public record HttpLimits(int maxRequestLineBytes, int maxHeaderBytes, Duration headTimeout, Duration idleTimeout,
                         Duration bodyTimeout, int maxConnections) {

    public static final int DEFAULT_MAX_REQUEST_LINE_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_HEADER_BYTES = 8 * 1024;
    public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONNECTIONS = 4096;
    /** The shortest timeout accepted: tests use short ones, nothing useful is shorter. */
    static final Duration MIN_TIMEOUT = Duration.ofMillis(100);

    public HttpLimits {
        if (maxRequestLineBytes < 1024) {
            throw new IllegalArgumentException("max request line bytes: must be >= 1024, got " + maxRequestLineBytes);
        }
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("max header bytes: must be >= 1024, got " + maxHeaderBytes);
        }
        requireTimeout("head timeout", headTimeout);
        requireTimeout("idle timeout", idleTimeout);
        requireTimeout("body timeout", bodyTimeout);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections: must be >= 1, got " + maxConnections);
        }
    }

    /** The defaults above. */
    public static HttpLimits defaults() {
        return new HttpLimits(DEFAULT_MAX_REQUEST_LINE_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_HEAD_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_CONNECTIONS);
    }

    public HttpLimits withTimeouts(Duration head, Duration idle, Duration body) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, head, idle, body, maxConnections);
    }

    public HttpLimits withMaxConnections(int connections) {
        return new HttpLimits(maxRequestLineBytes, maxHeaderBytes, headTimeout, idleTimeout, bodyTimeout, connections);
    }

    private static void requireTimeout(String name, Duration timeout) {
        if (timeout == null || timeout.compareTo(MIN_TIMEOUT) < 0) {
            throw new IllegalArgumentException(name + ": must be >= " + MIN_TIMEOUT.toMillis() + " ms, got " + timeout);
        }
    }
}
