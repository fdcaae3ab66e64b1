package io.kvlog.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.kvlog.client.internal.Transport;
import io.kvlog.client.internal.Transport.Reply;
import io.kvlog.client.internal.Transport.Request;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A watch followed across the nodes ({@link KvClient#watch}): its own thread reads the node's
 * Server-Sent Events and hands each change and progress to the listener, in order.
 *
 * <p>When the stream drops (the connection fails, the node ends it, or nothing at all, not even a
 * progress event, comes for three progress intervals), the watch reopens on the next node with
 * {@code Last-Event-ID} set to the last event's position: no change missed, none repeated. The
 * node's error events {@link #RESUMABLE} are drops too. It gives up after {@value #MAX_TRIES}
 * tries in a row that bring no event (the waits between them double, up to 4 s): {@link #done()}
 * then fails with {@link NoNodeAnsweredException}; another error event or a refused watch fails
 * it with a {@link KvException} naming the problem. A listener that throws ends the watch with
 * that exception. {@link #close} ends it from any thread.
 */
public final class Watch implements AutoCloseable {

    /**
     * The errors that end a stream but not the watch: the node is stopping or its copy stopped
     * (another node serves it), or this client fell behind (resuming reads the rest from the log).
     */
    public static final List<String> RESUMABLE = List.of("NODE_STOPPING", "NOT_READY", "WATCHER_TOO_SLOW",
            "LOG_UNREADABLE");
    /** How many tries in a row may bring no event before the watch gives up. */
    public static final int MAX_TRIES = 6;
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(4);

    private final Transport transport;
    private final Map<String, String> params = new LinkedHashMap<>();
    private final Consumer<WatchEvent> listener;
    private final Duration idleLimit;
    private final Duration firstWait;
    private final Function<Throwable, String> reason;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    // one daemon thread: the idle check; shut down when the watch ends
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kvlog-watch-timer");
        t.setDaemon(true);
        return t;
    });
    private volatile Thread reader;
    private volatile InputStream stream;
    private volatile long lastRead;
    private volatile String dropReason;
    private volatile String position;

    Watch(Transport transport, WatchRequest request, Consumer<WatchEvent> listener, Duration firstWait,
          Function<Throwable, String> reason) {
        this.transport = transport;
        this.listener = listener;
        this.firstWait = firstWait;
        this.reason = reason;
        this.idleLimit = request.progress().multipliedBy(3);
        if (request.key() != null) {
            params.put("key", request.key());
        } else {
            params.put("prefix", request.prefix());
        }
        params.put("from", request.from());
        params.put("progress-ms", Long.toString(request.progress().toMillis()));
    }

    void start() {
        Thread thread = new Thread(this::run, "kvlog-watch");
        thread.setDaemon(true);
        reader = thread;
        thread.start();
    }

    /** Completes when the watch ends: normally after {@link #close}, exceptionally when it fails. */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** The position after the last event seen (where a resume starts), or null before any. */
    public String position() {
        return position;
    }

    /** Ends the watch. Safe from any thread (the listener's too), and more than once. */
    @Override
    public void close() {
        stopped.countDown();
        closeStream(stream);
        Thread thread = reader;
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt(); // a (re)open waiting for a node's answer gives up at once
        }
    }

    private boolean isStopped() {
        return stopped.getCount() == 0;
    }

    private void run() {
        long check = Math.max(10, idleLimit.toMillis() / 4);
        timer.scheduleWithFixedDelay(this::dropIfIdle, check, check, TimeUnit.MILLISECONDS);
        try {
            follow();
            done.complete(null);
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        } finally {
            timer.shutdownNow();
        }
    }

    private void follow() {
        boolean opened = false;
        int tries = 0;
        String dropped = null; // the node whose stream dropped last: the next try starts after it
        while (!isStopped()) {
            Reply reply = null;
            String failure = null; // why this try brought no stream
            try {
                reply = transport.open(request(), dropped);
            } catch (KvException e) {
                if (isStopped()) {
                    return; // closed while opening: the interrupt ended the wait
                }
                if (!(e instanceof NoNodeAnsweredException)) {
                    throw e;
                }
                if (!opened) {
                    throw e;
                }
                failure = e.getMessage();
            }
            if (reply != null && reply.stream() == null) {
                // once following, a busy node (503) is a failed try; any other refusal ends the watch
                if (!opened || reply.status() != 503) {
                    throw Replies.failure(reply, Replies.body(reply));
                }
                failure = reply.url() + " (503 " + describe(reply.body()) + ")";
                dropped = reply.url();
            }
            if (failure != null) {
                if (++tries >= MAX_TRIES) {
                    throw new NoNodeAnsweredException("watch: gave up after " + tries + " tries to reopen it; last: "
                            + failure, List.of(failure), null);
                }
                if (await(wait(tries))) {
                    return;
                }
                continue;
            }
            opened = true;
            Drop drop = read(reply.stream());
            if (drop == null) {
                return; // closed
            }
            tries = drop.anyEvent() ? 0 : tries + 1;
            if (tries >= MAX_TRIES) {
                String last = reply.url() + " (" + drop.reason() + ")";
                throw new NoNodeAnsweredException("watch: gave up after " + tries + " tries to reopen it; last: " + last,
                        List.of(last), null);
            }
            dropped = reply.url();
            transport.notice("watch: stream from " + reply.url() + " dropped (" + drop.reason() + "); "
                    + (position == null ? "reopening" : "resuming after " + position));
            if (tries > 0 && await(wait(tries))) {
                return;
            }
        }
    }

    /** The watch's request: as first asked, or, once an event was seen, resuming after it. */
    private Request request() {
        String last = position;
        if (last == null) {
            return Request.of("GET", "/v1/watch", params).forRoles("query");
        }
        Map<String, String> resume = new LinkedHashMap<>(params);
        resume.remove("from"); // Last-Event-ID alone says where to resume
        return Request.of("GET", "/v1/watch", resume).withHeader("Last-Event-ID", last).forRoles("query");
    }

    private Duration wait(int tries) {
        Duration d = firstWait.multipliedBy(1L << Math.min(tries - 1, 20));
        return d.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : d;
    }

    /** Waits, or less if closed meanwhile; true if closed. */
    private boolean await(Duration d) {
        try {
            return stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Why a stream ended, and whether it brought any event. */
    private record Drop(String reason, boolean anyEvent) {
    }

    /** Reads one stream until it ends; why it dropped, or null if the watch was closed. */
    private Drop read(InputStream events) {
        stream = events;
        dropReason = null;
        lastRead = System.nanoTime();
        if (isStopped()) {
            closeStream(events);
            return null;
        }
        boolean any = false;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(events, StandardCharsets.UTF_8))) {
            String name = null;
            String id = null; // as in an EventSource, an id holds until the next id line
            StringBuilder data = null;
            String line;
            while ((line = lines.readLine()) != null) {
                lastRead = System.nanoTime();
                if (line.isEmpty()) {
                    if (data != null) {
                        any = true;
                        dispatch(name, id, data.toString());
                        if (isStopped()) {
                            return null;
                        }
                    }
                    name = null;
                    data = null;
                    continue;
                }
                if (line.startsWith(":")) {
                    continue; // a comment: keeps the connection alive
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                value = value.startsWith(" ") ? value.substring(1) : value;
                switch (field) {
                    case "event" -> name = value;
                    case "id" -> id = value;
                    case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    default -> {
                        // retry: and unknown fields are ignored, as an EventSource ignores them
                    }
                }
            }
            return isStopped() ? null : new Drop(dropReason != null ? dropReason : "closed by the node", any);
        } catch (IOException e) {
            return isStopped() ? null : new Drop(dropReason != null ? dropReason : reason.apply(e), any);
        } finally {
            stream = null;
        }
    }

    private void dispatch(String name, String id, String data) {
        if ("error".equals(name)) {
            String error = describe(data);
            if (RESUMABLE.stream().anyMatch(code -> error.startsWith(code + ":"))) {
                dropReason = "the node ended it: " + error;
                closeStream(stream);
                return;
            }
            throw new KvException(0, error.contains(":") ? error.substring(0, error.indexOf(':')) : "WATCH_ERROR",
                    "the node ended the watch: " + error);
        }
        JsonNode json;
        try {
            json = Replies.JSON.readTree(data);
        } catch (IOException e) {
            throw new KvException(0, "UNREADABLE_REPLY", "unreadable watch event: " + data, e);
        }
        WatchEvent event;
        if ("progress".equals(name)) {
            event = new WatchEvent.Progress(json.path("positions").asText(id), json.path("caughtUp").asBoolean());
        } else if (name == null || name.equals("message")) {
            event = Replies.change(json, id);
        } else {
            return; // an event this client does not know: newer nodes may send more kinds
        }
        if (id != null) {
            position = id;
        }
        listener.accept(event);
    }

    private void dropIfIdle() {
        InputStream s = stream;
        if (s != null && System.nanoTime() - lastRead > idleLimit.toNanos()) {
            dropReason = "nothing for " + idleLimit.toMillis() + " ms, not even a progress event";
            closeStream(s);
        }
    }

    private static void closeStream(InputStream s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IOException e) {
            // a stream being abandoned: the reader sees it closed either way, nothing is lost
        }
    }

    /** {@code CODE: message} of a JSON error, or the text as it came. */
    private static String describe(String text) {
        try {
            JsonNode error = Replies.JSON.readTree(text);
            if (error != null && error.has("error")) {
                return error.path("error").asText() + ": " + error.path("message").asText();
            }
        } catch (IOException e) {
            // not JSON: shown as it came
        }
        return text;
    }
}
