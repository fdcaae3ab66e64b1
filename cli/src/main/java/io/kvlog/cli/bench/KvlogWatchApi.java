package io.kvlog.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * kvlog's watch: {@code PUT /v1/kv/{key}?wait=log} acks with the key's {@code version};
 * {@code GET /v1/watch?prefix=P&from=F} is a Server-Sent Events stream whose first line is a
 * {@code : watch ...} comment (sent once the watch is subscribed), a change is a {@code data:}
 * line without an {@code event:} name, and {@code event: progress} / {@code event: error} carry
 * JSON too. Bench keys and values are plain ASCII.
 *
 * @param from where a watch starts: {@code now} for delivery runs, {@code 0} for a catch-up
 */
record KvlogWatchApi(List<URI> endpoints, String from) implements WatchApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    KvlogWatchApi {
        endpoints = List.copyOf(endpoints);
    }

    @Override
    public String system() {
        return "kvlog";
    }

    @Override
    public BenchTarget.Request write(String key, String value) {
        return new BenchTarget.Request(HttpMethod.PUT, "/v1/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8)
                + "?wait=log", Buffer.buffer(value));
    }

    @Override
    public long ackedVersion(int status, Buffer body) {
        if (status != 200) {
            return -1;
        }
        try {
            return JSON.readTree(body.getBytes()).path("version").asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public BenchTarget.Request watch(String prefix) {
        return new BenchTarget.Request(HttpMethod.GET, "/v1/watch?prefix=" + URLEncoder.encode(prefix,
                StandardCharsets.UTF_8) + "&from=" + from + "&progress-ms=1000", null);
    }

    @Override
    public StreamReader reader(Sink sink) {
        return new SseReader(sink);
    }

    /** One SSE stream: the {@code event:} name applies to the {@code data:} line that follows it. */
    static final class SseReader implements StreamReader {
        private final Sink sink;
        private String event;
        private boolean ready;

        SseReader(Sink sink) {
            this.sink = sink;
        }

        @Override
        public void line(Buffer line) {
            int length = line.length();
            if (length > 0 && line.getByte(length - 1) == '\r') {
                length--;
            }
            if (length == 0) {
                event = null;
                return;
            }
            byte first = line.getByte(0);
            if (first == ':') {
                if (!ready) {
                    ready = true;
                    sink.ready();
                }
            } else if (first == 'e' && startsWith(line, "event:")) {
                event = line.getString(6, length, "UTF-8").trim();
            } else if (first == 'd' && startsWith(line, "data:")) {
                String data = line.getString(line.length() > 5 && line.getByte(5) == ' ' ? 6 : 5, length, "UTF-8");
                data(data);
            }
            // "id:" lines and anything else: not needed
        }

        private void data(String data) {
            if (event == null || event.equals("message")) {
                long[] version = new long[1];
                String key = keyAndVersion(data, version);
                sink.change(key, version[0]);
            } else if (event.equals("progress")) {
                sink.progress(data.contains("\"caughtUp\":true"));
            } else if (event.equals("error")) {
                sink.error(data);
            }
        }

        private static boolean startsWith(Buffer line, String prefix) {
            if (line.length() < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (line.getByte(i) != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The key and version of a change's data ({@code {"key":"K","type":…,"value":…,"version":N,…}});
     * the version goes to {@code version[0]}. The node writes {@code key} first: for a key without
     * escapes and a value without {@code "version":} (every bench key and value) the fields are
     * found by position, anything else is parsed as JSON.
     */
    static String keyAndVersion(String data, long[] version) {
        String head = "{\"key\":\"";
        if (data.startsWith(head)) {
            int end = data.indexOf('"', head.length());
            int field = end < 0 ? -1 : data.indexOf("\"version\":", end);
            if (end > 0 && field > 0 && data.lastIndexOf('\\', end) < head.length()
                    && data.indexOf("\"version\":", field + 1) < 0) {
                int from = field + "\"version\":".length();
                int to = from;
                while (to < data.length() && Character.isDigit(data.charAt(to))) {
                    to++;
                }
                if (to > from) {
                    version[0] = Long.parseLong(data, from, to, 10);
                    return data.substring(head.length(), end);
                }
            }
        }
        try {
            JsonNode change = JSON.readTree(data);
            version[0] = change.path("version").asLong(-1);
            return change.path("key").asText(null);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a kvlog change: '" + data + "'", e);
        }
    }
}
