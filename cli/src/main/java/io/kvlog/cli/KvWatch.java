package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A watch ({@code GET /v1/watch}) followed across the candidate nodes of a {@link KvClient}: reads
 * the Server-Sent Events of the stream and hands each one to a listener, on the caller's thread.
 *
 * <p>When the stream drops (the connection fails, the node ends it without an error event, or
 * nothing at all, not even a progress event, arrives for three progress intervals), the watch is
 * reopened on the next node with {@code Last-Event-ID} set to the id of the last event seen (a
 * change or a progress), and without {@code from}, so the server resumes right after that event:
 * no change missed, none repeated. Before any event was seen it is reopened as first asked.
 * Reopening gives up after {@value #MAX_TRIES} tries in a row that brought no event (each try goes
 * once around the nodes; a node that answers 503, busy, is a failed try too; the waits between
 * tries double), with exit code 3. A watch that cannot be opened at all fails at once, as every
 * client command does.
 *
 * <p>An {@code error} event of one of the {@link #RESUMABLE} kinds is a drop too; any other ends
 * the watch with exit code 1; a node that refuses the watch
 * (a non-200 reply) with exit code 2 for a 400, else 1. {@link #stop} ends it from any thread.
 */
final class KvWatch implements AutoCloseable {

    /**
     * The errors that end a stream but not the watch: the node is stopping or its copy stopped
     * (another node serves it), or the client fell behind (resuming reads the rest from the log).
     */
    static final java.util.List<String> RESUMABLE = java.util.List.of("NODE_STOPPING", "NOT_READY",
            "WATCHER_TOO_SLOW", "LOG_UNREADABLE");

    /** How many tries in a row may bring no event before the watch gives up. */
    static final int MAX_TRIES = 6;
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One Server-Sent Event: its name ({@code null} for a change, which has no {@code event:} line),
     * its id (a position vector) and its data.
     */
    record Event(String name, String id, String data) {
        boolean isChange() {
            return name == null || name.equals("message");
        }

        boolean isProgress() {
            return "progress".equals(name);
        }
    }

    private final KvClient client;
    private final Map<String, String> params;
    private final Duration idleLimit;
    private final Duration firstWait;
    private final Consumer<String> notice;
    // one daemon thread: the idle check and the timeout; shut down in close()
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kv-watch-timer");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile InputStream stream;
    private volatile long lastRead;
    private volatile String dropReason;
    private String lastId;

    /**
     * @param params    the watch's query: {@code key} or {@code prefix}, and {@code from}
     * @param progress  how often the node is asked for a progress event ({@code progress-ms})
     * @param firstWait the wait before the second try to reopen a dropped watch (then doubled each try)
     * @param notice    where a line goes when the stream drops or a node does not answer
     */
    KvWatch(KvClient client, Map<String, String> params, Duration progress, Duration firstWait,
            Consumer<String> notice) {
        this.client = client;
        this.params = new LinkedHashMap<>(params);
        this.params.put("progress-ms", Long.toString(progress.toMillis()));
        this.idleLimit = progress.multipliedBy(3);
        this.firstWait = firstWait;
        this.notice = notice;
    }

    /** The id of the last event seen: where a reopened watch resumes. */
    String lastId() {
        return lastId;
    }

    /**
     * Follows the watch, handing each event but errors to {@code listener}, until {@link #stop}
     * (from the listener too) or {@code timeout} (null: none); throws a {@link KvException} when it
     * fails.
     */
    void run(Consumer<Event> listener, Duration timeout) {
        if (timeout != null) {
            timer.schedule(this::stop, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        long check = Math.max(10, idleLimit.toMillis() / 4);
        timer.scheduleWithFixedDelay(this::dropIfIdle, check, check, TimeUnit.MILLISECONDS);
        boolean opened = false;
        int tries = 0;
        while (!isStopped()) {
            KvClient.Answer answer = null;
            String failure = null; // why this try to reopen brought no stream
            try {
                answer = client.watch(resumeParams(), lastId);
            } catch (KvException e) {
                if (!opened || e.exitCode() != ExitCode.UNREACHABLE) {
                    throw e;
                }
                failure = e.getMessage();
            }
            if (answer != null && answer.events() == null) {
                // once following, a busy node (503) is a failed try; any other refusal ends the watch
                if (!opened || answer.reply().status() != 503) {
                    throw refused(answer.reply());
                }
                failure = client.baseUrl() + " (503 " + describeError(answer.reply().body()) + ")";
            }
            if (failure != null) {
                if (++tries >= MAX_TRIES) {
                    throw KvException.unreachable("watch: gave up after " + tries + " tries to reopen it; last: "
                            + failure);
                }
                if (await(wait(tries))) {
                    return;
                }
                continue;
            }
            opened = true;
            String node = client.baseUrl();
            Drop drop = follow(answer.events(), listener);
            if (drop == null) {
                return; // stopped
            }
            // a stream that brought an event resets the count; one that brought none is a failed try
            tries = drop.anyEvent() ? 0 : tries + 1;
            if (tries >= MAX_TRIES) {
                throw KvException.unreachable("watch: gave up after " + tries + " tries to reopen it; last: "
                        + node + " (" + drop.reason() + ")");
            }
            client.next();
            notice.accept("watch: stream from " + node + " dropped (" + drop.reason() + "); "
                    + (lastId == null ? "reopening" : "resuming after " + lastId) + " on " + client.baseUrl());
            if (tries > 0 && await(wait(tries))) {
                return;
            }
        }
    }

    /** Ends the watch: {@link #run} returns. Safe from any thread, and more than once. */
    void stop() {
        stopped.countDown();
        closeStream(stream);
    }

    @Override
    public void close() {
        stop();
        timer.shutdownNow();
    }

    private boolean isStopped() {
        return stopped.getCount() == 0;
    }

    private Map<String, String> resumeParams() {
        if (lastId == null) {
            return params;
        }
        Map<String, String> p = new LinkedHashMap<>(params);
        p.remove("from"); // Last-Event-ID alone says where to resume
        return p;
    }

    private Duration wait(int tries) {
        Duration d = firstWait.multipliedBy(1L << Math.min(tries - 1, 20));
        return d.compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : d;
    }

    /** Waits, or less if stopped meanwhile; true if stopped. */
    private boolean await(Duration d) {
        try {
            return stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException(ExitCode.FAILED, "interrupted");
        }
    }

    /** Why a stream ended, and whether it brought any event. */
    private record Drop(String reason, boolean anyEvent) {
    }

    /** Reads one stream until it ends; returns why it dropped, or null if the watch was stopped. */
    private Drop follow(InputStream events, Consumer<Event> listener) {
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
                    if (id != null) {
                        lastId = id;
                    }
                    if (data != null) {
                        any = true;
                        dispatch(new Event(name, id, data.toString()), listener);
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
            return isStopped() ? null : new Drop(dropReason != null ? dropReason : KvClient.reason(e), any);
        } finally {
            stream = null;
        }
    }

    private void dispatch(Event event, Consumer<Event> listener) {
        if ("error".equals(event.name())) {
            String error = describeError(event.data());
            if (RESUMABLE.stream().anyMatch(code -> error.startsWith(code + ":"))) {
                // the watch can go on elsewhere, or here from the log: a drop, resumed from the last id
                dropReason = "the node ended it: " + error;
                closeStream(stream);
                return;
            }
            throw new KvException(ExitCode.FAILED, "the node ended the watch: " + error);
        }
        listener.accept(event);
    }

    private void dropIfIdle() {
        InputStream s = stream;
        long read = lastRead;
        if (s != null && System.nanoTime() - read > idleLimit.toNanos()) {
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

    private static KvException refused(KvClient.Reply reply) {
        String message = describeError(reply.body());
        return new KvException(reply.status() == 400 ? ExitCode.USAGE : ExitCode.FAILED,
                "watch refused (" + reply.status() + "): " + message);
    }

    /** {@code CODE: message} of a JSON error, or the text as it came. */
    private static String describeError(String text) {
        try {
            JsonNode error = JSON.readTree(text);
            if (error != null && error.has("error")) {
                return error.path("error").asText() + ": " + error.path("message").asText();
            }
        } catch (IOException e) {
            // not JSON: shown as it came
        }
        return text;
    }
}
