package io.kvlog.query;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A plain HTTP client for the read API in tests. */
final class HttpReads {

    record Reply(int status, JsonObject body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body.encode() + " node=" + header("X-KV-Node") + " copy=" + header("X-KV-Copy")
                    + " lag=" + header("X-KV-Lag") + " via=" + header("X-KV-Via");
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    Reply get(String baseUrl, String key, String query) {
        return call(baseUrl + "/v1/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20")
                + (query == null || query.isEmpty() ? "" : "?" + query));
    }

    Reply call(String url) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), new JsonObject(response.body()), response);
        } catch (java.net.http.HttpTimeoutException e) {
            // a read must be answered within its deadline (1 s): show where the node is stuck
            System.err.println("[http-reads] no answer within 5 s to GET " + url + "; threads:");
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                System.err.println("\"" + thread.getName() + "\" " + thread.getState());
                for (StackTraceElement frame : stack) {
                    System.err.println("    at " + frame);
                }
            });
            throw new IllegalStateException("GET " + url + " failed: " + e, e);
        } catch (IOException e) {
            throw new IllegalStateException("GET " + url + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
