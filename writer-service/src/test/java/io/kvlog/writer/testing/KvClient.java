package io.kvlog.writer.testing;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A plain HTTP client for the write API, for tests and the bench: one call per method, every
 * reply as a {@link Reply} with its status, JSON body and how long it took. Keeps connections
 * alive (java.net.http pools them), so it measures the service, not TCP set-up.
 */
public final class KvClient {

    private final HttpClient http;
    private final Duration requestTimeout;

    public KvClient(Duration requestTimeout) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.requestTimeout = requestTimeout;
    }

    public KvClient() {
        this(Duration.ofSeconds(10));
    }

    /** A reply: status, the body as JSON (null if it was not JSON), the raw body, headers, and the time it took. */
    public record Reply(int status, JsonObject json, String body, Map<String, String> headers, Duration elapsed) {

        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        public String str(String field) {
            return json == null ? null : json.getString(field);
        }

        public Long num(String field) {
            return json == null ? null : json.getLong(field);
        }

        @Override
        public String toString() {
            return status + " " + body + " (" + elapsed.toMillis() + " ms)";
        }
    }

    /** Query parameters in order; null values are left out. */
    public static Map<String, String> params(String... nameValuePairs) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i + 1 < nameValuePairs.length; i += 2) {
            if (nameValuePairs[i + 1] != null) {
                params.put(nameValuePairs[i], nameValuePairs[i + 1]);
            }
        }
        return params;
    }

    /** {@code PUT /v1/kv/{key}} with a text/plain body. */
    public Reply put(String baseUrl, String key, String value, Map<String, String> params) {
        return send("PUT", baseUrl + "/v1/kv/" + encodePath(key) + query(params), "text/plain; charset=utf-8", value);
    }

    /** {@code DELETE /v1/kv/{key}}. */
    public Reply delete(String baseUrl, String key, Map<String, String> params) {
        return send("DELETE", baseUrl + "/v1/kv/" + encodePath(key) + query(params), null, (byte[]) null);
    }

    /** {@code POST /v1/kv/{key}/append} with a text/plain body. */
    public Reply append(String baseUrl, String key, String suffix, Map<String, String> params) {
        return send("POST", baseUrl + "/v1/kv/" + encodePath(key) + "/append" + query(params),
                "text/plain; charset=utf-8", suffix);
    }

    /** Any request: {@code url} is sent as given (already encoded); body null for none. */
    public Reply send(String method, String url, String contentType, String body) {
        return send(method, url, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    /** Any request with a body of raw bytes (null for none). */
    public Reply send(String method, String url, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(requestTimeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT),
                    String.join(",", values)));
            return new Reply(response.statusCode(), json(response.body()), response.body(), headers, elapsed);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + url, e);
        }
    }

    /**
     * Sends until the reply is 200, repeating the same request (so the same id: safe by contract)
     * after a 503 or 504, for up to {@code patience}; any other status fails at once.
     *
     * @throws AssertionError with the last reply if none was 200 in time
     */
    public static Reply untilAcked(java.util.function.Supplier<Reply> send, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        Reply reply;
        do {
            reply = send.get();
            if (reply.status() == 200) {
                return reply;
            }
            if (reply.status() != 503 && reply.status() != 504) {
                throw new AssertionError("neither acked nor retriable: " + reply);
            }
            System.out.println("retrying after " + reply);
            try {
                Thread.sleep(reply.status() == 503 ? 200 : 20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } while (System.nanoTime() < deadline);
        throw new AssertionError("not acked within " + patience + ": " + reply);
    }

    /** Percent-encodes one path segment (every byte outside the unreserved set). */
    public static String encodePath(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String query(Map<String, String> params) {
        if (params.isEmpty()) {
            return "";
        }
        StringJoiner query = new StringJoiner("&", "?", "");
        params.forEach((name, value) -> query.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return query.toString();
    }

    static JsonObject json(String body) {
        if (body == null || body.isEmpty() || body.charAt(0) != '{') {
            return null;
        }
        try {
            return new JsonObject(body);
        } catch (DecodeException e) {
            return null;
        }
    }
}
