package io.kvlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A small HTTP client of the kvlog API, for the client commands and the console, over a list of
 * candidate nodes. A request goes to the current node; when that node does not answer (no
 * connection, connection reset, no reply in time, or 503 saying it is not ready or shutting
 * down) it goes to the next candidate, and so on once around the list. The node that answered
 * becomes the current one. Every other reply, errors included, is the caller's to read.
 *
 * <p>A write sent without an id gets one made here (a UUID) before its first attempt, so every
 * attempt carries the same id and the write takes effect at most once, whichever node applies it.
 * Reads carry no such need and are retried as they are. A watch opens the same way; {@link KvWatch}
 * follows its stream across nodes. Not thread-safe: one caller at a time.
 */
final class KvClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final List<String> nodes;
    private final Consumer<String> notice;
    private int current;

    /**
     * @param nodes  base URLs to try, in order; the first is the current node
     * @param notice where a line goes each time a node does not answer and the next one is tried
     */
    KvClient(List<String> nodes, Consumer<String> notice) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("no node to send requests to");
        }
        this.nodes = new ArrayList<>(nodes.stream().map(KvClient::normalize).toList());
        this.notice = notice;
    }

    /** The URLs of a comma-separated list ({@code host:port} gets {@code http://}). */
    static List<String> parseUrls(String list) {
        List<String> urls = new ArrayList<>();
        for (String part : list.split(",")) {
            if (!part.isBlank()) {
                urls.add(normalize(part));
            }
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no URL in '" + list + "'");
        }
        return urls;
    }

    private static String normalize(String url) {
        String u = url.strip();
        u = u.contains("://") ? u : "http://" + u;
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    /** The current node: the one that answered last (the first candidate before any request). */
    String baseUrl() {
        return nodes.get(current);
    }

    /** Makes {@code url} the current node (a candidate from now on if it was not one). */
    void use(String url) {
        String u = normalize(url);
        if (!nodes.contains(u)) {
            nodes.add(u);
        }
        current = nodes.indexOf(u);
    }

    /** A reply: status, body, and the node that served it. */
    record Reply(int status, String body, String node) {
    }

    /** Checks a key as the server would, so a bad one is a usage error before any request. */
    static String key(String key) {
        return io.kvlog.protocol.Validation.key(key);
    }

    Reply get(String key, Map<String, String> params) {
        return send("GET", "/v1/kv/" + encode(key(key)), params, null);
    }

    Reply put(String key, String value, Map<String, String> params) {
        return send("PUT", "/v1/kv/" + encode(key(key)), withId(params), value);
    }

    Reply delete(String key, Map<String, String> params) {
        return send("DELETE", "/v1/kv/" + encode(key(key)), withId(params), null);
    }

    Reply append(String key, String suffix, Map<String, String> params) {
        return send("POST", "/v1/kv/" + encode(key(key)) + "/append", withId(params), suffix);
    }

    Reply scan(Map<String, String> params) {
        return send("GET", "/v1/kv", params, null);
    }

    Reply history(String key, Map<String, String> params) {
        return send("GET", "/v1/kv/" + encode(key(key)) + "/history", params, null);
    }

    /** The write's params with its id, a new UUID if it had none: every attempt then carries the same id. */
    static Map<String, String> withId(Map<String, String> params) {
        Map<String, String> p = new LinkedHashMap<>(params);
        if (p.get("id") == null || p.get("id").isBlank()) {
            p.put("id", UUID.randomUUID().toString());
        }
        return p;
    }

    /**
     * Sends one request to the current node, and to each next candidate in turn while the one
     * asked does not answer; exit code 3 naming every node tried if none does.
     */
    Reply send(String method, String path, Map<String, String> params, String body) {
        return exchange(request(method, body), path + query(params), false).reply();
    }

    /**
     * Opens a watch ({@code GET /v1/watch}) as {@link #send} sends a request, with
     * {@code Last-Event-ID: lastEventId} unless that is null. A 200 answer is left open: its
     * events are read from {@link Answer#events()}; any other answer is read whole into its reply.
     */
    Answer watch(Map<String, String> params, String lastEventId) {
        HttpRequest.Builder request = request("GET", null).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return exchange(request, "/v1/watch" + query(params), true);
    }

    /** Makes the candidate after the current one the current one: where a dropped stream goes next. */
    void next() {
        current = (current + 1) % nodes.size();
    }

    /**
     * A node's answer: its reply, and for an event stream that answered 200, the stream, still
     * open (the reply's body is then empty) and the caller's to close.
     */
    record Answer(Reply reply, InputStream events, String watchId) {
    }

    private Answer exchange(HttpRequest.Builder request, String target, boolean stream) {
        List<String> tried = new ArrayList<>();
        for (int attempt = 0; attempt < nodes.size(); attempt++) {
            int index = (current + attempt) % nodes.size();
            String node = nodes.get(index);
            String silence;
            try {
                HttpResponse<InputStream> response = http.send(request.uri(URI.create(node + target)).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                boolean open = stream && response.statusCode() == 200;
                String body = open ? "" : readAll(response.body());
                silence = notReady(response.statusCode(), body);
                if (silence == null) {
                    current = index;
                    Reply reply = new Reply(response.statusCode(), body,
                            response.headers().firstValue("X-KV-Node").orElse("?"));
                    return new Answer(reply, open ? response.body() : null,
                            response.headers().firstValue("X-KV-Watch").orElse(null));
                }
            } catch (IOException e) {
                silence = reason(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvException(ExitCode.FAILED, "interrupted");
            }
            tried.add(node + " (" + silence + ")");
            if (attempt + 1 < nodes.size()) {
                notice.accept("node " + node + " did not answer (" + silence + "); trying "
                        + nodes.get((index + 1) % nodes.size()));
            }
        }
        throw KvException.unreachable("no node answered; tried " + String.join(", ", tried));
    }

    private static String readAll(InputStream body) throws IOException {
        try (body) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static HttpRequest.Builder request(String method, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder().timeout(REQUEST_TIMEOUT);
        if (body != null) {
            return request.header("Content-Type", "text/plain; charset=utf-8")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return request.method(method, HttpRequest.BodyPublishers.noBody());
    }

    private static String query(Map<String, String> params) {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                query.add(encode(k) + "=" + encode(v));
            }
        });
        return query.toString();
    }

    /**
     * Why a reply counts as no answer, or null if it is an answer: only a 503 whose error says the
     * node is not ready or shutting down. An overloaded node (503 OVERLOADED) or a read that cannot
     * be served in time answers, and the caller sees that reply.
     */
    static String notReady(int status, String body) {
        if (status != 503) {
            return null;
        }
        String error = "";
        String message = "";
        try {
            JsonNode json = JSON.readTree(body);
            error = json.path("error").asText("");
            message = json.path("message").asText("");
        } catch (IOException e) {
            return null; // not the node's JSON error: an answer, shown to the caller as it came
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (error.equals("NOT_READY") || lower.contains("not ready") || lower.contains("shutting down")) {
            return "503 " + (message.isEmpty() ? error : message);
        }
        return null;
    }

    /** A transport failure in a few words: connection refused, connection reset, connect timeout, ... */
    static String reason(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timeout";
        }
        if (e instanceof HttpTimeoutException) {
            return "no reply within " + REQUEST_TIMEOUT.toSeconds() + " s";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.toLowerCase(Locale.ROOT);
    }

    /** Percent-encodes one path segment or query part (a space is %20, a slash %2F). */
    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
