package io.kvlog.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.client.KvException;
import io.kvlog.client.NoNodeAnsweredException;
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
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Sends requests to the nodes of a cluster, over the JDK's HTTP client, and fails over.
 *
 * <p>The candidates are the seed URLs until discovery ({@code GET /v1/cluster}, before the first
 * request, then in the background every {@code rediscoverEvery}) replaces them with the ready
 * nodes the cluster names. It does so only when the nodes' URLs include a seed: nodes that
 * advertise addresses this client does not reach them by (a container's host name, a NAT) are
 * left alone and the seeds kept. A discovery that fails keeps the list it had. A request that
 * needs a role ({@code writer} for writes, {@code query} for reads) goes to the nodes that have
 * it, when the cluster said which. A request starts at the next candidate in
 * turn (spread) or at the one that answered last (not spread, or {@link #use pinned}); when that
 * node does not answer — no connection, a reset, no reply within the request timeout, or a 503
 * saying it is not ready or shutting down — the same request (same id, same body) goes to the
 * next candidate, once around the list. Any other reply, errors included, is an answer.
 */
public final class Transport {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A request: method, path with its query, body (text, JSON for {@code application/json}),
     * headers, and what to send instead when it goes to a further node after one did not answer
     * ({@code retry}, null: the same).
     */
    public record Request(String method, String target, String body, String contentType, Map<String, String> headers,
                          Request retry, Set<String> roles) {

        public static Request of(String method, String path, Map<String, String> params) {
            return new Request(method, path + query(params), null, null, Map.of(), null, Set.of());
        }

        public Request withBody(String newBody, String newContentType) {
            return new Request(method, target, newBody, newContentType, headers, retry, roles);
        }

        public Request withHeader(String name, String value) {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.put(name, value);
            return new Request(method, target, body, contentType, all, retry, roles);
        }

        public Request withRetry(Request instead) {
            return new Request(method, target, body, contentType, headers, instead, roles);
        }

        /** What attempt {@code i} (from 0) sends: this request, or its {@link #retry} on a further node. */
        Request attempt(int i) {
            return i > 0 && retry != null ? retry : this;
        }

        /** Only for nodes with these roles ({@code writer}, {@code query}). */
        public Request forRoles(String... needed) {
            return new Request(method, target, body, contentType, headers, retry == null ? null
                    : retry.forRoles(needed), Set.of(needed));
        }
    }

    /**
     * A node's answer: status, body (empty for an open stream), the node's id ({@code X-KV-Node}),
     * its base URL, and for a stream that answered 200 the stream itself, the caller's to close.
     */
    public record Reply(int status, String body, String node, String url, InputStream stream, String watchId) {
    }

    private final HttpClient http;
    private final String authorization;
    private final Duration requestTimeout;
    private final List<String> seeds;
    private final boolean discover;
    private final boolean spread;
    private final Duration rediscoverEvery;
    private final Consumer<String> notice;
    private final AtomicInteger turn = new AtomicInteger();
    // written under this; read without
    private volatile List<String> nodes;
    private volatile Map<String, Set<String>> roles = Map.of();
    private volatile String current;
    private volatile boolean pinned;
    // guarded by this: the first discovery (requests wait for it), the one running or last done, when it started
    private CompletableFuture<Void> firstDiscovery;
    private CompletableFuture<Void> discovery;
    private long discoveryStarted;

    /**
     * @param token a bearer token sent with every request, or null
     * @param tls   the TLS context of {@code https} nodes, or null for the JDK's default
     */
    public Transport(List<String> seeds, Duration connectTimeout, Duration requestTimeout, boolean discover,
                     boolean spread, Duration rediscoverEvery, Consumer<String> notice, String token,
                     javax.net.ssl.SSLContext tls) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no node URL to send requests to");
        }
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(connectTimeout);
        if (tls != null) {
            client.sslContext(tls);
        }
        this.http = client.build();
        this.authorization = token == null ? null : "Bearer " + token;
        this.requestTimeout = requestTimeout;
        this.seeds = seeds.stream().map(Transport::normalize).distinct().toList();
        this.nodes = this.seeds;
        this.current = this.seeds.get(0);
        this.discover = discover;
        this.spread = spread;
        this.rediscoverEvery = rediscoverEvery;
        this.notice = notice;
    }

    /** {@code host:port} gets {@code http://}; a trailing slash goes. */
    public static String normalize(String url) {
        String u = url.strip();
        if (u.isEmpty()) {
            throw new IllegalArgumentException("an empty node URL");
        }
        u = u.contains("://") ? u : "http://" + u;
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    /** Passes {@code line} to the notice listener. */
    public void notice(String line) {
        notice.accept(line);
    }

    /** The node that answered last, or the pinned one. */
    public String current() {
        return current;
    }

    /** The candidates now. */
    public List<String> nodes() {
        return nodes;
    }

    /** Sends every request to {@code url} first (a candidate from now on); the others only when it does not answer. */
    public synchronized void use(String url) {
        String u = normalize(url);
        List<String> now = nodes;
        if (!now.contains(u)) {
            List<String> more = new ArrayList<>(now);
            more.add(u);
            nodes = List.copyOf(more);
        }
        current = u;
        pinned = true;
    }

    /** Sends {@code request}, failing over as the class says. */
    public CompletableFuture<Reply> send(Request request) {
        return discovered().thenCompose(ignored -> attempt(request, order(request, null), 0, new ArrayList<>(), null));
    }

    /** Sends {@code request} as {@link #send} does, on this thread. */
    public Reply sendBlocking(Request request) {
        return blocking(request, null, false);
    }

    /**
     * Opens an event stream ({@code Accept: text/event-stream}), on this thread, failing over as
     * {@link #send} does; starts at the node after {@code after} when given (the one whose stream
     * dropped). A 200 is left open in {@link Reply#stream()}.
     */
    public Reply open(Request request, String after) {
        return blocking(request.withHeader("Accept", "text/event-stream"), after, true);
    }

    private Reply blocking(Request request, String after, boolean stream) {
        discovered().join();
        List<String> order = order(request, after);
        List<String> tried = new ArrayList<>();
        IOException last = null;
        for (int i = 0; i < order.size(); i++) {
            String node = order.get(i);
            String silence;
            try {
                HttpResponse<InputStream> response = http.send(build(node, request.attempt(i)),
                        HttpResponse.BodyHandlers.ofInputStream());
                boolean open = stream && response.statusCode() == 200;
                String body = open ? "" : readAll(response.body());
                silence = notReady(response.statusCode(), body);
                if (silence == null) {
                    current = node;
                    return reply(node, response, body, open ? response.body() : null);
                }
            } catch (IOException e) {
                last = e;
                silence = reason(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvException(0, "INTERRUPTED", "interrupted while waiting for " + node, e);
            }
            silent(order, i, silence, tried);
        }
        throw new NoNodeAnsweredException(tried, last);
    }

    private CompletableFuture<Reply> attempt(Request request, List<String> order, int i, List<String> tried,
                                             Throwable lastFailure) {
        String node = order.get(i);
        return http.sendAsync(build(node, request.attempt(i)), HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    Throwable cause = unwrap(failure);
                    if (cause != null && !(cause instanceof IOException)) {
                        return CompletableFuture.<Reply>failedFuture(cause); // not the node's silence: as blocking sends do
                    }
                    String silence = cause != null ? reason(cause) : notReady(response.statusCode(), response.body());
                    if (silence == null) {
                        current = node;
                        return CompletableFuture.completedFuture(reply(node, response, response.body(), null));
                    }
                    if (silent(order, i, silence, tried)) {
                        return attempt(request, order, i + 1, tried, cause != null ? cause : lastFailure);
                    }
                    return CompletableFuture.<Reply>failedFuture(new NoNodeAnsweredException(tried,
                            cause != null ? cause : lastFailure));
                })
                .thenCompose(Function.identity());
    }

    /**
     * Records that {@code order[i]} did not answer ({@code silence} says why) and, if another
     * node follows, says so to the notice listener; true if one does.
     */
    private boolean silent(List<String> order, int i, String silence, List<String> tried) {
        tried.add(order.get(i) + " (" + silence + ")");
        boolean next = i + 1 < order.size();
        if (next) {
            notice.accept("node " + order.get(i) + " did not answer (" + silence + "); trying " + order.get(i + 1));
        }
        return next;
    }

    private static Reply reply(String url, HttpResponse<?> response, String body, InputStream stream) {
        return new Reply(response.statusCode(), body, response.headers().firstValue("X-KV-Node").orElse(url), url,
                stream, response.headers().firstValue("X-KV-Watch").orElse(null));
    }

    /**
     * The candidates for {@code request} (those with its roles, or all if none has them) in the
     * order to try: from the next in turn, the current one, or the one after {@code after}.
     */
    private List<String> order(Request request, String after) {
        List<String> now = nodes;
        Map<String, Set<String>> known = roles;
        if (!request.roles().isEmpty() && !known.isEmpty()) {
            List<String> able = now.stream().filter(url -> !known.containsKey(url)
                    || known.get(url).containsAll(request.roles())).toList();
            now = able.isEmpty() ? now : able;
        }
        int start;
        if (after != null) {
            start = now.indexOf(after) + 1; // 0 when it is no longer a candidate
        } else if (spread && !pinned) {
            start = Math.floorMod(turn.getAndIncrement(), now.size());
        } else {
            start = Math.max(0, now.indexOf(current));
        }
        List<String> order = new ArrayList<>(now.size());
        for (int i = 0; i < now.size(); i++) {
            order.add(now.get((start + i) % now.size()));
        }
        return order;
    }

    /**
     * Completes once the first discovery has ended (requests wait for it once); a later one,
     * due every {@code rediscoverEvery}, runs in the background while requests use the list they have.
     */
    private synchronized CompletableFuture<Void> discovered() {
        if (!discover || pinned) {
            return CompletableFuture.completedFuture(null);
        }
        long now = System.nanoTime();
        if (discovery == null || (discovery.isDone() && now - discoveryStarted >= rediscoverEvery.toNanos())) {
            discoveryStarted = now;
            List<String> candidates = new ArrayList<>(nodes);
            seeds.stream().filter(seed -> !candidates.contains(seed)).forEach(candidates::add);
            discovery = attempt(Request.of("GET", "/v1/cluster", Map.of()), candidates, 0, new ArrayList<>(), null)
                    .thenAccept(this::learn)
                    .exceptionally(failure -> {
                        notice.accept("cannot discover the cluster's nodes (" + unwrap(failure).getMessage()
                                + "); using " + String.join(", ", nodes));
                        return null;
                    });
            if (firstDiscovery == null) {
                firstDiscovery = discovery;
            }
        }
        return firstDiscovery;
    }

    /**
     * Takes the ready nodes of a {@code /v1/cluster} reply, and their roles, as the candidates, if
     * it names any and they include a seed (else this client reaches the nodes by other addresses
     * than they advertise: the seeds stay).
     */
    private void learn(Reply reply) {
        if (reply.status() != 200) {
            notice.accept("cannot discover the cluster's nodes (" + reply.status() + " from " + reply.url()
                    + "); using " + String.join(", ", nodes));
            return;
        }
        Map<String, Set<String>> found = new LinkedHashMap<>();
        try {
            for (JsonNode node : JSON.readTree(reply.body()).path("nodes")) {
                if (node.path("ready").asBoolean(true) && node.hasNonNull("url")) {
                    Set<String> has = new java.util.HashSet<>();
                    node.path("roles").forEach(role -> has.add(role.asText()));
                    found.put(normalize(node.path("url").asText()), Set.copyOf(has));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            notice.accept("unreadable /v1/cluster reply from " + reply.url() + "; using " + String.join(", ", nodes));
            return;
        }
        // a client given https:// nodes never sends its requests (and token) over plain http
        if (seeds.stream().anyMatch(seed -> seed.startsWith("https://"))) {
            found.keySet().removeIf(url -> !url.startsWith("https://"));
        }
        if (found.isEmpty()) {
            return;
        }
        if (seeds.stream().noneMatch(found::containsKey)) {
            notice.accept("the nodes advertise " + String.join(", ", found.keySet()) + ", none of them a URL this"
                    + " client was given; using " + String.join(", ", seeds) + " only");
            return;
        }
        synchronized (this) {
            if (!pinned) {
                nodes = List.copyOf(found.keySet());
                roles = Map.copyOf(found);
            }
        }
    }

    private HttpRequest build(String node, Request request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(node + request.target())).timeout(requestTimeout);
        request.headers().forEach(builder::header);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        if (request.body() == null) {
            return builder.method(request.method(), HttpRequest.BodyPublishers.noBody()).build();
        }
        return builder.header("Content-Type", request.contentType())
                .method(request.method(), HttpRequest.BodyPublishers.ofString(request.body(), StandardCharsets.UTF_8))
                .build();
    }

    private static String readAll(InputStream body) throws IOException {
        try (body) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Why a reply counts as no answer, or null if it is an answer: only a 503 whose error says the
     * node is not ready or shutting down. An overloaded node (503 OVERLOADED) answers.
     */
    static String notReady(int status, String body) {
        if (status != 503) {
            return null;
        }
        String error;
        String message;
        try {
            JsonNode json = JSON.readTree(body);
            error = json.path("error").asText("");
            message = json.path("message").asText("");
        } catch (IOException e) {
            return null; // not the node's JSON error: an answer, the caller's to read
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (error.equals("NOT_READY") || lower.contains("not ready") || lower.contains("shutting down")) {
            return "503 " + (message.isEmpty() ? error : message);
        }
        return null;
    }

    /** A transport failure in a few words: connection refused, connect timeout, no reply in time, ... */
    public String reason(Throwable e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timeout";
        }
        if (e instanceof HttpTimeoutException) {
            return "no reply within " + requestTimeout.toMillis() + " ms";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.toLowerCase(Locale.ROOT);
    }

    /** {@code ?k=v&…} of the non-null params, percent-encoded; empty when there are none. */
    public static String query(Map<String, String> params) {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                query.add(encode(k) + "=" + encode(v));
            }
        });
        return query.toString();
    }

    /** Percent-encodes one path segment or query part (a space is %20, a slash %2F). */
    public static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
