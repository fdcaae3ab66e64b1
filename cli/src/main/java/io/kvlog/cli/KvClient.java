package io.kvlog.cli;

import java.io.IOException;
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

/** A small HTTP client of the kvlog API, for the client commands and the console. */
final class KvClient {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String baseUrl;

    KvClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    String baseUrl() {
        return baseUrl;
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
        return send("PUT", "/v1/kv/" + encode(key(key)), params, value);
    }

    Reply delete(String key, Map<String, String> params) {
        return send("DELETE", "/v1/kv/" + encode(key(key)), params, null);
    }

    Reply append(String key, String suffix, Map<String, String> params) {
        return send("POST", "/v1/kv/" + encode(key(key)) + "/append", params, suffix);
    }

    Reply scan(Map<String, String> params) {
        return send("GET", "/v1/kv", params, null);
    }

    Reply send(String method, String path, Map<String, String> params, String body) {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        new LinkedHashMap<>(params).forEach((k, v) -> {
            if (v != null) {
                query.add(encode(k) + "=" + encode(v));
            }
        });
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path + query))
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            request.header("Content-Type", "text/plain; charset=utf-8")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(response.statusCode(), response.body(), response.headers().firstValue("X-KV-Node").orElse("?"));
        } catch (IOException e) {
            throw KvException.unreachable("cannot reach " + baseUrl + ": " + (e.getMessage() == null ? e : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvException(ExitCode.FAILED, "interrupted");
        }
    }

    /** Percent-encodes one path segment or query part (a space is %20, a slash %2F). */
    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
