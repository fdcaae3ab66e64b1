package io.kvlog.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A test's watcher: {@code GET /v1/watch…} read line by line on its own thread, every
 * Server-Sent Event kept in arrival order, until {@link #close} or the stream ends.
 *
 * <p>Its parsing is its own, not {@link KvWatch}'s, so that the cluster tests check the wire
 * format against an independent reader. It reads what the nodes write: {@code event: }, {@code id: }
 * and {@code data: } lines, comments skipped, each event's data one JSON document. An id belongs
 * to the event that carries it (a change without an id line has none).
 */
final class WatchStream implements AutoCloseable {

    /** One SSE event: {@code event} is "message" for a change. */
    record Event(String event, String id, JsonNode data) {
        boolean isChange() {
            return event.equals("message");
        }
    }

    final List<Event> events = new CopyOnWriteArrayList<>();
    final int status;
    private final Stream<String> lines;
    private final Thread reader;
    private volatile boolean ended;
    private volatile String endReason;

    /** Opens {@code uri}, resuming after {@code lastEventId} if not null; waits for the reply's headers. */
    WatchStream(URI uri, String lastEventId) throws IOException, InterruptedException {
        this(uri, send(uri, lastEventId));
    }

    private WatchStream(URI uri, HttpResponse<Stream<String>> response) {
        status = response.statusCode();
        lines = response.body();
        reader = new Thread(this::read, "watch-stream " + uri);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Opens {@code uri} as a watch that must be answered 200 {@code text/event-stream}; fails with
     * the status, or the content type, and the first lines of the reply otherwise.
     */
    static WatchStream open(URI uri) throws IOException, InterruptedException {
        HttpResponse<Stream<String>> response = send(uri, null);
        if (response.statusCode() != 200) {
            String body = String.join("\n", response.body().limit(20).toList());
            response.body().close();
            throw new AssertionError("GET " + uri + " answered " + response.statusCode()
                    + ", expected 200 text/event-stream: " + body);
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("text/event-stream")) {
            response.body().close();
            throw new AssertionError("GET " + uri + " answered Content-Type '" + type
                    + "', expected text/event-stream");
        }
        return new WatchStream(uri, response);
    }

    private static HttpResponse<Stream<String>> send(URI uri, String lastEventId)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .timeout(ClusterFixture.REQUEST_TIMEOUT) // until the headers; the body streams on
                .GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return ClusterFixture.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    }

    private void read() {
        String event = "message";
        String id = null;
        StringBuilder data = new StringBuilder();
        try {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new Event(event, id, json(data.toString())));
                    }
                    event = "message";
                    id = null;
                    data.setLength(0);
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
            endReason = "the node ended the stream";
        } catch (NotJson e) {
            endReason = e.getMessage();
            lines.close();
        } catch (RuntimeException e) {
            endReason = "closed: " + e; // close() ends the read this way too
        } finally {
            ended = true;
        }
    }

    private static JsonNode json(String data) {
        try {
            return ClusterFixture.JSON.readTree(data);
        } catch (JsonProcessingException e) {
            throw new NotJson("an event whose data is not JSON: " + data);
        }
    }

    private static final class NotJson extends RuntimeException {
        NotJson(String message) {
            super(message);
        }
    }

    List<Event> changes() {
        return events.stream().filter(Event::isChange).toList();
    }

    /** The id of the last event with one: where a resumed watch starts. */
    String lastId() {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).id() != null) {
                return events.get(i).id();
            }
        }
        return null;
    }

    /** True once the reader has stopped: every event the stream brought is in {@link #events}. */
    boolean ended() {
        return ended;
    }

    /** Why the reader stopped; null while it reads. */
    String endReason() {
        return endReason;
    }

    /** Waits up to {@code timeout} for an event of kind {@code event}; null if none came. */
    Event await(String event, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Event e : events) {
                if (e.event().equals(event)) {
                    return e;
                }
            }
            LocalNodes.sleep(50);
        }
        return null;
    }

    /**
     * Waits up to {@code timeout} for the event at {@code index} (0 the first); null if none came
     * or the stream ended before it.
     */
    Event await(int index, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean over = ended; // read first: once set, every event is in the list
            if (events.size() > index) {
                return events.get(index);
            }
            if (over || System.nanoTime() >= deadline) {
                return null;
            }
            LocalNodes.sleep(50);
        }
    }

    @Override
    public void close() throws InterruptedException {
        lines.close();
        reader.join(5_000);
    }
}
