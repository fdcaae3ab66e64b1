package io.kvlog.node;

import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Random and adversarial requests to every route of a node's API (the OpenAPI document's paths,
 * {@code /metrics} and the console's static routes), drawn from one seeded random source so that
 * a seed names a whole run: keys (empty, too long, unicode, control characters, valid and invalid
 * percent-encodings, dot segments, NULs), values (invalid UTF-8, the largest allowed and one byte
 * more), ids, query parameters (good names with bad values, unknown names, repeats), headers
 * (Content-Type variants, Idempotency-Key, bogus Authorization, oversized) and JSON bodies for
 * {@code /v1/ops} (valid operations, wrong types, deep nesting, huge arrays, invalid UTF-8).
 */
final class HostileRequests {

    /** One request as it goes on the wire; {@code route} names the route it aims at, for the counts. */
    record Request(String route, String method, String target, List<Map.Entry<String, String>> headers,
                   byte[] body) {
        /** A request that may append to the log if it is accepted. */
        boolean writes() {
            return route.startsWith("PUT ") || route.startsWith("DELETE ") || route.startsWith("POST /v1/kv/")
                    || route.equals("POST /v1/ops");
        }

        @Override
        public String toString() {
            String shownBody = body == null ? "" : body.length > 200
                    ? " body " + body.length + " bytes: " + new String(body, 0, 200, StandardCharsets.UTF_8) + "…"
                    : " body " + new String(body, StandardCharsets.UTF_8);
            String shownTarget = target.length() > 300 ? target.substring(0, 300) + "… (" + target.length() + ")" : target;
            List<String> shownHeaders = headers.stream().limit(5).map(h -> h.getKey() + ": "
                    + (h.getValue().length() > 80 ? h.getValue().substring(0, 80) + "…" : h.getValue())).toList();
            if (headers.size() > 5) {
                shownHeaders = new ArrayList<>(shownHeaders);
                shownHeaders.add("… " + headers.size() + " headers in all");
            }
            return method + " " + shownTarget + " " + shownHeaders + shownBody;
        }
    }

    private final SplittableRandom random;
    private final int maxValueBytes;
    private final List<Function<HostileRequests, Request>> routes = List.of(
            HostileRequests::put, HostileRequests::delete, HostileRequests::get, HostileRequests::emptyKey,
            HostileRequests::append, HostileRequests::history, HostileRequests::scan, HostileRequests::ops,
            HostileRequests::watch, HostileRequests::watchProgress, HostileRequests::plainGet,
            HostileRequests::admin, HostileRequests::console, HostileRequests::wrongMethod,
            HostileRequests::unknownPath);

    HostileRequests(long seed, int maxValueBytes) {
        this.random = new SplittableRandom(seed);
        this.maxValueBytes = maxValueBytes;
    }

    Request next() {
        return pick(routes).apply(this);
    }

    // ---------------------------------------------------------------- routes

    private Request put() {
        return new Request("PUT /v1/kv/{key}", "PUT", "/v1/kv/" + key() + query("id", "wait", "if-version", "if-exists"),
                headers(true), value());
    }

    private Request delete() {
        return new Request("DELETE /v1/kv/{key}", "DELETE", "/v1/kv/" + key() + query("id", "wait", "if-version"),
                headers(false), random.nextInt(8) == 0 ? value() : null);
    }

    private Request get() {
        return new Request("GET /v1/kv/{key}", "GET", "/v1/kv/" + key()
                + query("consistency", "after", "id", "version", "as-of"), headers(false), null);
    }

    private Request emptyKey() {
        String method = random.nextBoolean() ? "PUT" : "DELETE";
        return new Request(method + " /v1/kv/", method, "/v1/kv/" + query("id", "wait"), headers(true),
                method.equals("PUT") ? value() : null);
    }

    private Request append() {
        return new Request("POST /v1/kv/{key}/append", "POST", "/v1/kv/" + key() + "/append" + query("id", "wait"),
                headers(true), value());
    }

    private Request history() {
        return new Request("GET /v1/kv/{key}/history", "GET", "/v1/kv/" + key() + "/history"
                + query("limit", "before", "consistency", "after"), headers(false), null);
    }

    private Request scan() {
        return new Request("GET /v1/kv", "GET", "/v1/kv" + query("prefix", "start", "end", "limit", "cursor",
                "consistency", "after"), headers(false), null);
    }

    private Request ops() {
        List<Map.Entry<String, String>> headers = headers(false);
        headers.add(Map.entry("Content-Type", pick(List.of("application/json", "application/json; charset=utf-8",
                "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "", "application/json; charset=latin1"))));
        return new Request("POST /v1/ops", "POST", "/v1/ops" + query("wait"), headers, opsBody());
    }

    private Request watch() {
        List<Map.Entry<String, String>> headers = headers(false);
        if (random.nextInt(4) == 0) {
            headers.add(Map.entry("Last-Event-ID", position()));
        }
        return new Request("GET /v1/watch", "GET", "/v1/watch" + query("key", "prefix", "from", "progress-ms"),
                headers, null);
    }

    private Request watchProgress() {
        return new Request("POST /v1/watch/{id}/progress", "POST", "/v1/watch/" + pick(List.of("w-1", "1", "0",
                "%zz", "..", id(), key())) + "/progress", headers(false), random.nextInt(4) == 0 ? value() : null);
    }

    private Request plainGet() {
        String path = pick(List.of("/v1/cluster", "/v1/node", "/v1/health", "/v1/ready", "/v1/openapi.json",
                "/metrics"));
        return new Request("GET " + path, "GET", path + query("zzz", "limit"), headers(false), null);
    }

    private Request admin() {
        String path = pick(List.of("/v1/admin/digest", "/v1/admin/applied"));
        return new Request("GET " + path, "GET", path + query("partition", "offset", "wait-ms"), headers(false),
                null);
    }

    private Request console() {
        String path = pick(List.of("/", "/console/", "/console/app.js", "/console/" + key(), "/console/../pom.xml",
                "/console/%2e%2e/%2e%2e/openapi.json", "/webjars/", "/webjars/uplot/", "/webjars/" + key(),
                "/webjars/../../io/kvlog/node/openapi.json", "/console/..%2f..%2fopenapi.json", "/index.html"));
        return new Request("GET " + (path.startsWith("/webjars") ? "/webjars/*" : path.startsWith("/console")
                ? "/console/*" : "/"), "GET", path, headers(false), null);
    }

    private Request wrongMethod() {
        String method = pick(List.of("PATCH", "OPTIONS", "TRACE", "CONNECT", "FOO", "POST", "PUT", "DELETE"));
        String path = pick(List.of("/v1/kv/a", "/v1/kv", "/v1/ops", "/v1/watch", "/v1/cluster", "/v1/health",
                "/metrics", "/", "/v1/admin/digest"));
        return new Request("other methods", method, path, headers(false), random.nextBoolean() ? value() : null);
    }

    private Request unknownPath() {
        String path = pick(List.of("/v1", "/v1/", "/v2/kv/a", "/v1/kv/a/b/c", "/v1/kv//a", "/v1/kv/a/append/x",
                "//v1/kv/a", "/v1/kv/" + key() + "/" + key(), "/v1/watch/x", "/v1/admin", "/%00", "*",
                "http://evil.example/v1/kv/a", "/v1/kv/a?%", "/v1/kv/a#frag", "/metrics/x", "/v1/../v1/health"));
        return new Request("unknown paths", pick(List.of("GET", "PUT", "POST", "DELETE")), path, headers(false),
                null);
    }

    // ---------------------------------------------------------------- pieces

    /** A key as it goes in a path: percent-encoded or raw, valid or not. */
    private String key() {
        String key = draw(
                () -> "fz-" + random.nextInt(50),
                () -> "",
                () -> "k".repeat(1024),
                () -> "k".repeat(1025),
                () -> "é".repeat(513),
                () -> "x".repeat(random.nextInt(5000)),
                () -> "ключ-🔑-鍵-\u200f-\u0301",
                () -> "ctl\u0000nul",
                () -> "ctl\u0001\u007f",
                () -> "line\nbreak\r",
                () -> "tab\there",
                () -> "..",
                () -> "../..",
                () -> "a/b",
                () -> "/",
                () -> "%",
                () -> "?&=#",
                () -> "\ud83d",
                () -> text(random.nextInt(40)));
        return switch (random.nextInt(8)) {
            case 0 -> new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1); // raw bytes
            case 1 -> pick(List.of("%zz", "%", "%e2%82", "%ff%fe", "%00", "%2f", "%2e%2e", "%25", "a%2", "%C0%AF"));
            case 2 -> encode(encode(key)); // twice
            default -> encode(key);
        };
    }

    /** {@code ?name=value&…} with some of {@code names}, bad values, unknown names and repeats; or nothing. */
    private String query(String... names) {
        List<String> parts = new ArrayList<>();
        for (String name : names) {
            if (random.nextInt(3) == 0) {
                parts.add(name + "=" + paramValue(name));
            }
        }
        switch (random.nextInt(12)) {
            case 0 -> parts.add("unknown=" + encode(text(5)));
            case 1 -> {
                if (names.length > 0) {
                    String name = pick(List.of(names));
                    parts.add(name + "=" + paramValue(name));
                    parts.add(name + "=" + paramValue(name));
                }
            }
            case 2 -> parts.add(names.length == 0 ? "x" : pick(List.of(names))); // a name without a value
            case 3 -> parts.add(pick(List.of("=", "&&", "%zz=1", "a=%zz", "%00=%00", "a=%", "=%ff")));
            default -> {
            }
        }
        return parts.isEmpty() ? (random.nextInt(10) == 0 ? "?" : "") : "?" + String.join("&", parts);
    }

    private String paramValue(String name) {
        return switch (name) {
            case "id" -> encode(id());
            case "wait" -> pick(List.of("log", "applied", "all", "none", "", "LOG", "x".repeat(100)));
            case "consistency" -> pick(List.of("linearizable", "session", "eventual", "strong", "", "EVENTUAL"));
            case "after" -> encode(position());
            case "if-version", "version", "before", "offset" -> number();
            case "if-exists" -> pick(List.of("true", "false", "yes", "", "1"));
            case "as-of" -> encode(pick(List.of("2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "yesterday", "0",
                    "-1", "2020-13-45T99:99:99Z", "1970-01-01T00:00:00Z")));
            case "limit", "progress-ms", "wait-ms", "partition" -> number();
            case "cursor" -> encode(pick(List.of("abc", "", "eyJrIjoiYSJ9", "%%%", text(30))));
            case "from" -> encode(pick(List.of("now", "0", "0:0", "0:1,1:2", "x", "-1", position())));
            case "key", "prefix", "start", "end" -> key();
            default -> encode(text(8));
        };
    }

    private String number() {
        return pick(List.of("0", "1", "2", "3", "-1", "100", "1000", "1001", "600000", "600001", "99",
                "9223372036854775807", "99999999999999999999", "1.5", "1e3", "abc", "", "0x10", " 1"));
    }

    /** A read position or token: valid vectors, and ones naming partitions or offsets that cannot be. */
    private String position() {
        return pick(List.of("0:0", "0:1,1:2,2:3", "1:999999999", "7:0", "-1:5", "0:-1", "p:o", "0:", ":", "", "0:0,0:1",
                "0:9223372036854775807", "0:99999999999999999999", text(10), "0:0," + "1:1,".repeat(500)));
    }

    private String id() {
        return pick(List.of("fz-" + random.nextLong(1_000_000), "", "i".repeat(128), "i".repeat(129), "a b", "ä",
                "a;b", "a\u0000b", "../x", "id-" + random.nextInt(20)));
    }

    private List<Map.Entry<String, String>> headers(boolean value) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        if (value && random.nextBoolean()) {
            headers.add(Map.entry("Content-Type", pick(List.of("text/plain", "application/json",
                    "application/octet-stream", "text/plain; charset=latin1", "multipart/form-data; boundary=x",
                    "application/x-www-form-urlencoded", "garbage", ""))));
        }
        switch (random.nextInt(10)) {
            case 0 -> headers.add(Map.entry("Idempotency-Key", id()));
            case 1 -> headers.add(Map.entry("Authorization", pick(List.of("Bearer x", "Bearer", "Basic Zm9vOmJhcg==",
                    "Bearer " + "t".repeat(4000), "garbage \u0000"))));
            case 2 -> headers.add(Map.entry("X-Big", "b".repeat(random.nextInt(12_000))));
            case 3 -> headers.add(Map.entry(pick(List.of("Accept", "Accept-Encoding", "If-None-Match", "Range",
                    "Expect", "X-Forwarded-For", "Cookie")), pick(List.of("*/*", "gzip", "bytes=0-1", "100-continue",
                    "\u00e9\u00e9", "1.2.3.4", text(20)))));
            case 4 -> {
                for (int i = 0; i < 100; i++) {
                    headers.add(Map.entry("X-Many-" + i, "v"));
                }
            }
            default -> {
            }
        }
        return headers;
    }

    /** A value body: small, empty, unicode, invalid UTF-8, NULs, the largest allowed or one byte more. */
    private byte[] value() {
        return switch (random.nextInt(10)) {
            case 0 -> new byte[0];
            case 1 -> new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc0, (byte) 0x80, 0};
            case 2 -> new byte[maxValueBytes];
            case 3 -> new byte[maxValueBytes + 1];
            case 4 -> "ünïcødé 😀 \u0000 nul".getBytes(StandardCharsets.UTF_8);
            case 5 -> "{\"json\": [1, 2, {\"x\": null}]}".getBytes(StandardCharsets.UTF_8);
            default -> ("v-" + random.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
        };
    }

    private byte[] opsBody() {
        String body = switch (random.nextInt(14)) {
            case 0, 1 -> "[" + String.join(",", validOps(1 + random.nextInt(5))) + "]";
            case 2 -> "[" + String.join(",", ops(1 + random.nextInt(5))) + "]";
            case 3 -> "[]";
            case 4 -> "{}";
            case 5 -> "null";
            case 6 -> "";
            case 7 -> "[".repeat(5000) + "]".repeat(5000);
            case 8 -> "[" + "{\"op\":\"Get\",\"key\":\"fz-1\"},".repeat(1000) + "{\"op\":\"Get\",\"key\":\"fz-1\"}]";
            case 9 -> "[{\"op\":5,\"key\":[],\"value\":{}}, {\"op\":\"Insert\",\"key\":null}, {\"op\":\"Insert\"}]";
            case 10 -> "[{\"op\":\"Insert\",\"key\":\"fz-1\",\"value\":\"x\",\"id\":\"fz-dup\",\"id\":\"other\"}] trailing";
            case 11 -> "[{\"op\":\"Launch\",\"key\":\"fz-1\"}, {\"op\":\"Insert\",\"key\":\"fz-2\",\"value\":1e999}]";
            case 12 -> "[{\"op\":\"Insert\",\"key\":\"fz-1\",\"value\":\"ok\"}, {\"op\":\"Insert\",\"key\":\"\",\"value\":\"x\"}]";
            default -> null;
        };
        if (body == null) { // invalid UTF-8 inside a string
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.writeBytes("[{\"op\":\"Insert\",\"key\":\"fz-".getBytes(StandardCharsets.UTF_8));
            bytes.writeBytes(new byte[] {(byte) 0xff, (byte) 0xc3, 0x28, 0});
            bytes.writeBytes("\",\"value\":\"x\"}]".getBytes(StandardCharsets.UTF_8));
            return bytes.toByteArray();
        }
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> validOps(int count) {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = "\"fz-" + random.nextInt(50) + "\"";
            ops.add(switch (random.nextInt(3)) {
                case 0 -> "{\"op\":\"Insert\",\"key\":" + key + ",\"value\":\"v" + i + "\",\"id\":\"fz-"
                        + random.nextLong(1_000_000) + "\"}";
                case 1 -> "{\"op\":\"Remove\",\"key\":" + key + "}";
                default -> "{\"op\":\"Get\",\"key\":" + key + "}";
            });
        }
        return ops;
    }

    private List<String> ops(int count) {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = jsonString(pick(List.of("fz-" + random.nextInt(50), "", "k".repeat(1025), "ctl\u0000",
                    "ключ")));
            String op = pick(List.of("Insert", "Remove", "Get", "Append", "insert", ""));
            StringBuilder json = new StringBuilder("{\"op\":\"" + op + "\",\"key\":" + key);
            if (random.nextBoolean()) {
                json.append(",\"value\":").append(jsonString(pick(List.of("v", "", "😀", "x".repeat(maxValueBytes + 1)))));
            }
            if (random.nextBoolean()) {
                json.append(",\"id\":").append(jsonString(id()));
            }
            ops.add(json.append('}').toString());
        }
        return ops;
    }

    // ---------------------------------------------------------------- helpers

    private String text(int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(switch (random.nextInt(4)) {
                case 0 -> random.nextInt(0x20, 0x7f);
                case 1 -> random.nextInt(0, 0x20);
                case 2 -> random.nextInt(0xa0, 0x800);
                default -> random.nextInt(0x1f600, 0x1f650);
            });
        }
        return text.toString();
    }

    /** Percent-encodes as UTF-8 ({@code %20} for a space), the way a client should. */
    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                json.append('\\').appendCodePoint(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", c));
            } else {
                json.appendCodePoint(c);
            }
        });
        return json.append('"').toString();
    }

    private <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    @SafeVarargs
    private String draw(Supplier<String>... choices) {
        return choices[random.nextInt(choices.length)].get();
    }
}
