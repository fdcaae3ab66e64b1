package io.kvlog.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * etcd's watch through its v3 HTTP/JSON gateway (3.4+): {@code POST /v3/kv/put} acks with the
 * revision it made ({@code header.revision}); {@code POST /v3/watch} with a {@code create_request}
 * for the range of a prefix streams one JSON object per line: first {@code "created":true}, then
 * {@code events} whose {@code kv.mod_revision} is the put's revision. Keys are base64 on the wire.
 */
record EtcdWatchApi(List<URI> endpoints) implements WatchApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    EtcdWatchApi {
        endpoints = List.copyOf(endpoints);
    }

    @Override
    public String system() {
        return "etcd";
    }

    @Override
    public BenchTarget.Request write(String key, String value) {
        return new BenchTarget.Request(HttpMethod.POST, "/v3/kv/put", Buffer.buffer(EtcdApi.putBody(key, value)));
    }

    @Override
    public long ackedVersion(int status, Buffer body) {
        if (status != 200) {
            return -1;
        }
        try {
            return JSON.readTree(body.getBytes()).path("header").path("revision").asLong(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public BenchTarget.Request watch(String prefix) {
        return new BenchTarget.Request(HttpMethod.POST, "/v3/watch", Buffer.buffer(createBody(prefix)));
    }

    /** {@code {"create_request":{"key":…,"range_end":…}}}: every key from {@code prefix} up to its successor. */
    static String createBody(String prefix) {
        byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] end = start.clone();
        end[end.length - 1]++; // bench prefixes end in '/', never in 0xff
        Base64.Encoder b64 = Base64.getEncoder();
        return "{\"create_request\":{\"key\":\"" + b64.encodeToString(start) + "\",\"range_end\":\""
                + b64.encodeToString(end) + "\"}}";
    }

    @Override
    public StreamReader reader(Sink sink) {
        return line -> {
            if (line.length() == 0) {
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            if (readEvents(text, sink)) {
                return;
            }
            JsonNode message;
            try {
                message = JSON.readTree(line.getBytes());
            } catch (IOException e) {
                sink.error("not JSON: " + line);
                return;
            }
            read(message, sink);
        };
    }

    private static final String EVENTS = "\"events\":[";
    private static final String KEY = "{\"kv\":{\"key\":\"";
    private static final String MOD_REVISION = "\"mod_revision\":\"";

    /**
     * The fast path for a line of events: {@code {"kv":{"key":"<base64>",...,"mod_revision":"N",...}}}
     * per event, in the gateway's field order (base64 and decimal strings hold no quote). Returns
     * false, having told the sink nothing, for any other line (created, canceled, errors) or any
     * surprise; those are parsed as JSON.
     */
    static boolean readEvents(String line, Sink sink) {
        int events = line.indexOf(EVENTS);
        if (events < 0 || line.contains("\"canceled\"") || line.contains("\"created\"")) {
            return false;
        }
        java.util.List<String> keys = new java.util.ArrayList<>();
        java.util.List<Long> revisions = new java.util.ArrayList<>();
        int at = line.indexOf(KEY, events);
        while (at >= 0) {
            int keyStart = at + KEY.length();
            int keyEnd = line.indexOf('"', keyStart);
            int field = keyEnd < 0 ? -1 : line.indexOf(MOD_REVISION, keyEnd);
            int next = line.indexOf(KEY, keyStart);
            if (field < 0 || (next >= 0 && field > next)) {
                return false;
            }
            int from = field + MOD_REVISION.length();
            int to = line.indexOf('"', from);
            try {
                revisions.add(Long.parseLong(line, from, to, 10));
            } catch (RuntimeException e) {
                return false;
            }
            keys.add(new String(Base64.getDecoder().decode(line.substring(keyStart, keyEnd)), StandardCharsets.UTF_8));
            at = next;
        }
        if (keys.isEmpty() || count(line, "{\"kv\":") != keys.size()) {
            return false;
        }
        for (int i = 0; i < keys.size(); i++) {
            sink.change(keys.get(i), revisions.get(i));
        }
        return true;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    static void read(JsonNode message, Sink sink) {
        if (message.has("error")) {
            sink.error(message.get("error").toString());
            return;
        }
        JsonNode result = message.path("result");
        if (result.path("created").asBoolean(false)) {
            sink.ready();
        }
        if (result.path("canceled").asBoolean(false)) {
            sink.error("watch canceled: " + result);
        }
        for (JsonNode event : result.path("events")) {
            JsonNode kv = event.path("kv");
            String key = new String(Base64.getDecoder().decode(kv.path("key").asText("")), StandardCharsets.UTF_8);
            sink.change(key, kv.path("mod_revision").asLong(-1));
        }
    }
}
