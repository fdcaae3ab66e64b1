package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /** Opens {@code uri}, resuming after {@code lastEventId} if not null; waits for the reply's headers. */
    WatchStream(URI uri, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<Stream<String>> response = ClusterFixture.HTTP.send(request.build(),
                HttpResponse.BodyHandlers.ofLines());
        status = response.statusCode();
        lines = response.body();
        reader = new Thread(this::read, "watch-stream " + uri);
        reader.setDaemon(true);
        reader.start();
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
                        events.add(new Event(event, id, ClusterFixture.JSON.readTree(data.toString())));
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
        } catch (IOException | UncheckedIOException e) {
            // closed
        } finally {
            ended = true;
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

    boolean ended() {
        return ended;
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

    @Override
    public void close() throws InterruptedException {
        lines.close();
        reader.join(5_000);
    }
}
