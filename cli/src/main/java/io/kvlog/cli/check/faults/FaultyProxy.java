package io.kvlog.cli.check.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 that injects connection faults in front of an HTTP server, to test
 * what a client sees when the network fails around a request.
 *
 * <p>Each accepted connection, in accept order, is decided by one seeded {@link Random}:
 * <ul>
 *   <li>with probability {@code dropBeforeForward} it is closed at once: nothing reaches the server;</li>
 *   <li>with probability {@code dropReplyAfterForward} the request is forwarded, and the
 *       connection is closed as soon as the server starts replying: the server did the work, the
 *       client never learns it;</li>
 *   <li>otherwise bytes pass both ways untouched.</li>
 * </ul>
 * Independently, with probability {@code delayProbability} a forwarded connection waits a random
 * time up to {@code maxDelay} before it reaches the server (a slow link; the client's request
 * sits in the proxy meanwhile). With one request per connection and one client at a time, the
 * same seed gives the same faults. At most {@code maxConnections} connections are proxied at once
 * (the acceptor waits for a slot); {@link #close()} closes every socket and stops every thread.
 * {@link #counts()} already counts a connection once its client has seen the end of the reply.
 *
 * <p>A test tool for {@code kv check}: it lives in the CLI, not in the modules a node runs.
 */
public final class FaultyProxy implements AutoCloseable {

    /** What the proxy injects. */
    public record Faults(double dropBeforeForward, double dropReplyAfterForward, double delayProbability,
                         Duration maxDelay, long seed) {
        public Faults {
            if (dropBeforeForward < 0 || dropReplyAfterForward < 0 || dropBeforeForward + dropReplyAfterForward > 1) {
                throw new IllegalArgumentException("fault probabilities: each >= 0 and together <= 1, got "
                        + dropBeforeForward + " and " + dropReplyAfterForward);
            }
            if (delayProbability < 0 || delayProbability > 1) {
                throw new IllegalArgumentException("delayProbability: must be 0-1, got " + delayProbability);
            }
            if (maxDelay.isNegative()) {
                throw new IllegalArgumentException("maxDelay: must be >= 0, got " + maxDelay);
            }
        }

        /** Drops only, no delays. */
        public Faults(double dropBeforeForward, double dropReplyAfterForward, long seed) {
            this(dropBeforeForward, dropReplyAfterForward, 0, Duration.ZERO, seed);
        }
    }

    /** What the proxy did so far. */
    public record Counts(long accepted, long droppedBeforeForward, long droppedReplies, long passed, long delayed) {
    }

    private enum Fate { DROP_BEFORE_FORWARD, DROP_REPLY, PASS }

    private final String upstreamHost;
    private final int upstreamPort;
    private final Faults faults;
    private final Random random;
    private final Semaphore slots;
    // created in start(), closed in close()
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong droppedBefore = new AtomicLong();
    private final AtomicLong droppedReplies = new AtomicLong();
    private final AtomicLong passed = new AtomicLong();
    private final AtomicLong delayed = new AtomicLong();
    private volatile boolean closed;

    private FaultyProxy(String upstreamHost, int upstreamPort, Faults faults, int maxConnections) throws IOException {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.faults = faults;
        this.random = new Random(faults.seed());
        this.slots = new Semaphore(maxConnections);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        // two pumps per proxied connection
        this.threads = Executors.newFixedThreadPool(2 * maxConnections, r -> {
            Thread t = new Thread(r, "faulty-proxy-pump");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "faulty-proxy-accept-" + server.getLocalPort());
        this.acceptor.setDaemon(true);
    }

    /** Starts a proxy on a free port of 127.0.0.1 in front of {@code upstreamHost:upstreamPort}. */
    public static FaultyProxy start(String upstreamHost, int upstreamPort, Faults faults, int maxConnections)
            throws IOException {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: must be >= 1, got " + maxConnections);
        }
        FaultyProxy proxy = new FaultyProxy(upstreamHost, upstreamPort, faults, maxConnections);
        proxy.acceptor.start();
        return proxy;
    }

    /** The port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    public Counts counts() {
        return new Counts(accepted.get(), droppedBefore.get(), droppedReplies.get(), passed.get(), delayed.get());
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                slots.acquire();
                client = server.accept();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                slots.release();
                if (closed) {
                    return; // close() closed the server socket
                }
                throw new IllegalStateException("proxy on port " + port() + " cannot accept", e);
            }
            accepted.incrementAndGet();
            Fate fate = decide();
            if (fate == Fate.DROP_BEFORE_FORWARD) {
                droppedBefore.incrementAndGet();
                closeQuietly(client);
                slots.release();
                continue;
            }
            long delayMillis = delay();
            open.add(client);
            threads.execute(() -> proxy(client, fate, delayMillis));
        }
    }

    private Fate decide() {
        double draw = random.nextDouble();
        if (draw < faults.dropBeforeForward()) {
            return Fate.DROP_BEFORE_FORWARD;
        }
        return draw < faults.dropBeforeForward() + faults.dropReplyAfterForward() ? Fate.DROP_REPLY : Fate.PASS;
    }

    /** 0, or a delay for a forwarded connection; drawn only when delays are on, so drop-only seeds keep their faults. */
    private long delay() {
        if (faults.delayProbability() == 0 || random.nextDouble() >= faults.delayProbability()) {
            return 0;
        }
        delayed.incrementAndGet();
        return (long) (random.nextDouble() * faults.maxDelay().toMillis());
    }

    private void proxy(Socket client, Fate fate, long delayMillis) {
        Socket upstream = new Socket();
        open.add(upstream);
        try {
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            upstream.connect(new InetSocketAddress(upstreamHost, upstreamPort), 5000);
            threads.execute(() -> {
                if (pump(client, upstream, false)) {
                    endOutput(upstream);
                }
            });
            if (pump(upstream, client, fate == Fate.DROP_REPLY)) {
                // counted before the client sees the end of the reply: a client that then reads
                // counts() finds its own request in it
                if (fate == Fate.PASS) {
                    passed.incrementAndGet();
                }
                endOutput(client);
            }
        } catch (IOException e) {
            // upstream unreachable: the client sees its connection closed, like a dropped one
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // close() stops the pumps: the connection is dropped
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
            open.remove(client);
            open.remove(upstream);
            slots.release();
        }
    }

    /**
     * Copies {@code from} to {@code to} until {@code from} ends; true if it got that far (the
     * caller then ends {@code to}'s output). With {@code swallow}, the first bytes read are not
     * written: both sockets are closed instead.
     */
    private boolean pump(Socket from, Socket to, boolean swallow) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (swallow) {
                    droppedReplies.incrementAndGet();
                    closeQuietly(to);
                    closeQuietly(from);
                    return false;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
            return true;
        } catch (IOException e) {
            // the other pump or close() closed a socket, or the peer reset: this direction is over
            closeQuietly(to);
            return false;
        }
    }

    /** Half-closes {@code socket}: its peer reads the end of the stream. */
    private static void endOutput(Socket socket) {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // the peer is gone or close() closed the socket: the connection is over either way
            closeQuietly(socket);
        }
    }

    /** Closes the listening socket and every proxied connection, and stops every thread. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        closeQuietly(server);
        acceptor.interrupt();
        open.forEach(FaultyProxy::closeQuietly);
        threads.shutdownNow();
        acceptor.join(5000);
        if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("proxy threads still running 5 s after close");
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing to end the connection: nothing more to do with it
        }
    }
}
