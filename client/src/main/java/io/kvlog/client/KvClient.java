package io.kvlog.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kvlog.client.internal.Tls;
import io.kvlog.client.internal.Transport;
import io.kvlog.client.internal.Transport.Reply;
import io.kvlog.client.internal.Transport.Request;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The Java client of a kvlog cluster.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Any node.</b> Built from one or more node URLs (seeds), the client asks a node for the
 *   cluster ({@code GET /v1/cluster}) before its first request, and in the background every 30 s
 *   after, and spreads requests over the ready nodes it names, in turn: writes over those with the
 *   {@code writer} role, reads over those with {@code query}. It keeps the seeds when the nodes
 *   advertise URLs that include none of them (a container's host name, a NAT: addresses this
 *   client may not reach); {@link Builder#discover discover(false)} uses the seeds only.</li>
 *   <li><b>Failover, at most once.</b> When a node does not answer (no connection, a reset, no
 *   reply within the request timeout, or a 503 saying it is not ready or shutting down), the same
 *   request goes to the next node. A write carries one id on every attempt — yours, or a UUID the
 *   client makes — so it takes effect at most once whichever node applies it; a retry waits for
 *   the apply, so its ack reports the id's first outcome (the version the write made). When no node
 *   answers, {@link NoNodeAnsweredException}; the write may still have happened: send it again
 *   with the same id, which every failure of a write carries ({@link KvException#requestId()}).
 *   Reads are not retried on a node that answers, even with an error (a 504 not caught up in
 *   time, a 503 overloaded).</li>
 *   <li><b>Sessions.</b> The client remembers, per partition, the newest token of every write, get
 *   and message-protocol reply it saw, and sends them with reads at {@link Consistency#SESSION}
 *   (its default): a program reads its own writes, and a key it got never goes back, on any node.
 *   Scans and histories wait for the session too but add nothing to it: their replies carry no
 *   position.</li>
 *   <li><b>Results and errors.</b> A write returns its {@link OperationAck} once the replicated log
 *   has it. Its refusals and failures are exceptions: {@link BadRequestException} (bad input,
 *   nothing written), {@link PreconditionFailedException}, {@link OperationFailedException}
 *   (outcome unknown, retry with the same id), {@link NoNodeAnsweredException}, and
 *   {@link KvException} for the rest (overloaded, not caught up in time, …), each naming the
 *   problem as the node said it.</li>
 *   <li><b>Blocking and async.</b> The calls with options have an {@code …Async} form returning a
 *   {@link CompletableFuture} (completed on the HTTP client's threads); the blocking form sends on
 *   the caller's thread, a thread hand-off cheaper. {@link #scan} pages lazily on the thread that
 *   iterates; a {@link Watch} runs on a thread of its own.</li>
 * </ul>
 * Thread-safe: one client serves a whole program. {@link #close} ends its watches; its HTTP client
 * (one per {@code KvClient}, with a selector thread) goes when the client is no longer referenced:
 * build one client and share it.
 */
public final class KvClient implements AutoCloseable {

    private final Transport transport;
    private final Consistency consistency;
    private final Session session = new Session();
    private final List<Watch> watches = new ArrayList<>();

    private KvClient(Builder builder) {
        this.transport = new Transport(builder.urls, builder.connectTimeout, builder.requestTimeout,
                builder.discover, builder.spread, Duration.ofSeconds(30), builder.notice, builder.token,
                builder.caCert == null && builder.clientCert == null ? null
                        : Tls.context(builder.caCert, builder.clientCert, builder.clientKey));
        this.consistency = builder.consistency;
    }

    /** A client of the nodes at {@code urls} ({@code http://host:port}, or {@code host:port}). */
    public static KvClient connect(String... urls) {
        return builder(urls).build();
    }

    public static Builder builder(String... urls) {
        return new Builder(Arrays.asList(urls));
    }

    public static Builder builder(List<String> urls) {
        return new Builder(urls);
    }

    /** How a client is built; every setting has a default. */
    public static final class Builder {
        private final List<String> urls;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private boolean discover = true;
        private boolean spread = true;
        private Consistency consistency = Consistency.SESSION;
        private Consumer<String> notice = line -> { };
        private String token;
        private Path caCert;
        private Path clientCert;
        private Path clientKey;

        private Builder(List<String> urls) {
            this.urls = List.copyOf(urls);
        }

        /** How long a connection to a node may take before the next node is tried (default 2 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long a node may take to answer before the next node is tried (default 10 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** Whether to learn the nodes from {@code /v1/cluster} (default true); false: the URLs given only. */
        public Builder discover(boolean on) {
            this.discover = on;
            return this;
        }

        /** Whether to spread requests over the nodes in turn (default true); false: stay on the one that answered last. */
        public Builder spread(boolean on) {
            this.spread = on;
            return this;
        }

        /** The consistency of reads that do not choose one (default {@link Consistency#SESSION}). */
        public Builder consistency(Consistency level) {
            this.consistency = level;
            return this;
        }

        /** Where a line goes each time a node does not answer and the next is tried, or a watch resumes. */
        public Builder notice(Consumer<String> listener) {
            this.notice = listener;
            return this;
        }

        /** The bearer token sent with every request, for nodes with auth on (default none). */
        public Builder token(String bearerToken) {
            this.token = bearerToken == null || bearerToken.isBlank() ? null : bearerToken.strip();
            return this;
        }

        /** The CA certificate(s), PEM, that {@code https} nodes' certificates are checked against (default: the JDK's). */
        public Builder caCert(Path pem) {
            this.caCert = pem;
            return this;
        }

        /** The certificate chain and PKCS#8 private key, PEM, shown to nodes that require client certificates. */
        public Builder clientCertificate(Path certPem, Path keyPem) {
            if ((certPem == null) != (keyPem == null)) {
                throw new IllegalArgumentException("client certificate: give both the certificate and its key");
            }
            this.clientCert = certPem;
            this.clientKey = keyPem;
            return this;
        }

        /** @throws IllegalArgumentException if a PEM file cannot be read as one */
        public KvClient build() {
            return new KvClient(this);
        }
    }

    // ----- writes

    /** Writes {@code key}'s value (the protocol's {@code Insert}). */
    public OperationAck put(String key, String value) {
        return put(key, value, WriteOptions.DEFAULT);
    }

    public OperationAck put(String key, String value, WriteOptions options) {
        return run(putCall(key, value, options));
    }

    public CompletableFuture<OperationAck> putAsync(String key, String value, WriteOptions options) {
        return runAsync(putCall(key, value, options));
    }

    private Call<OperationAck> putCall(String key, String value, WriteOptions options) {
        Map<String, String> params = writeParams(options);
        if (options.ifExists()) {
            params.put("if-exists", "true");
        }
        return write("PUT", keyPath(key), params, value);
    }

    /** Removes {@code key} (the protocol's {@code Remove}). */
    public OperationAck delete(String key) {
        return delete(key, WriteOptions.DEFAULT);
    }

    public OperationAck delete(String key, WriteOptions options) {
        return run(deleteCall(key, options));
    }

    public CompletableFuture<OperationAck> deleteAsync(String key, WriteOptions options) {
        return runAsync(deleteCall(key, options));
    }

    private Call<OperationAck> deleteCall(String key, WriteOptions options) {
        if (options.ifExists()) {
            throw new IllegalArgumentException("ifExists is for puts; a delete takes ifVersion");
        }
        return write("DELETE", keyPath(key), writeParams(options), null);
    }

    /** Appends {@code suffix} to {@code key}'s value (created if absent); the ack carries the new value. */
    public OperationAck append(String key, String suffix) {
        return append(key, suffix, WriteOptions.DEFAULT);
    }

    public OperationAck append(String key, String suffix, WriteOptions options) {
        return run(appendCall(key, suffix, options));
    }

    public CompletableFuture<OperationAck> appendAsync(String key, String suffix, WriteOptions options) {
        return runAsync(appendCall(key, suffix, options));
    }

    private Call<OperationAck> appendCall(String key, String suffix, WriteOptions options) {
        if (options.ifExists() || options.ifVersion() != null) {
            throw new IllegalArgumentException("an append takes no condition");
        }
        return write("POST", keyPath(key) + "/append", writeParams(options), suffix);
    }

    private static Map<String, String> writeParams(WriteOptions options) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("id", options.id() == null || options.id().isBlank() ? UUID.randomUUID().toString() : options.id());
        params.put("wait", options.ack() == null ? null : options.ack().name().toLowerCase(Locale.ROOT));
        params.put("if-version", options.ifVersion() == null ? null : options.ifVersion().toString());
        return params;
    }

    /**
     * Sends a write; a retry on a further node waits for the apply ({@code wait=applied} where
     * {@code log} was asked): the first attempt may have reached the log, and only the apply knows
     * the first outcome of the id, which the ack must report (a {@code wait=log} ack of a duplicate
     * would name the duplicate's version).
     */
    private Call<OperationAck> write(String method, String path, Map<String, String> params, String body) {
        Request request = Request.of(method, path, params);
        if (params.get("wait") == null || params.get("wait").equals("log")) {
            Map<String, String> applied = new LinkedHashMap<>(params);
            applied.put("wait", "applied");
            request = request.withRetry(withBody(Request.of(method, path, applied), body));
        }
        return new Call<>(withBody(request, body).forRoles("writer"), this::acked, params.get("id"));
    }

    private static Request withBody(Request request, String body) {
        return body == null ? request : request.withBody(body, "text/plain; charset=utf-8");
    }

    private OperationAck acked(Reply reply) {
        try {
            OperationAck ack = Replies.ack(reply);
            session.saw(ack.token());
            return ack;
        } catch (PreconditionFailedException e) {
            session.saw(e.token());
            throw e;
        }
    }

    // ----- reads

    /** Reads {@code key} at the client's default consistency. */
    public GetResult get(String key) {
        return get(key, ReadOptions.DEFAULT);
    }

    public GetResult get(String key, ReadOptions options) {
        return run(getCall(key, options));
    }

    public CompletableFuture<GetResult> getAsync(String key, ReadOptions options) {
        return runAsync(getCall(key, options));
    }

    private Call<GetResult> getCall(String key, ReadOptions options) {
        boolean past = options.version() != null || options.asOf() != null;
        // a past value is read from the log at that version or moment: no consistency to ask for
        Map<String, String> params = past ? new LinkedHashMap<>() : readParams(options.consistency(), options.after());
        params.put("id", options.id());
        params.put("version", options.version() == null ? null : options.version().toString());
        params.put("as-of", options.asOf() == null ? null : options.asOf().toString());
        return new Call<>(Request.of("GET", keyPath(key), params).forRoles("query"), reply -> {
            GetResult result = Replies.get(reply);
            if (!past) {
                session.saw(result.token());
            }
            return result;
        }, null);
    }

    /**
     * {@code consistency=}, and for a session read {@code after=} the session with {@code extra}
     * (a position from elsewhere, for this read only: null for none).
     */
    private Map<String, String> readParams(Consistency asked, String extra) {
        Consistency level = asked == null ? consistency : asked;
        Map<String, String> params = new LinkedHashMap<>();
        params.put("consistency", level.name().toLowerCase(Locale.ROOT));
        params.put("after", level == Consistency.SESSION ? session.after(extra) : null);
        return params;
    }

    /**
     * The keys starting with {@code prefix} ("" for all), in key order, read lazily a page at a
     * time (each page from one snapshot of a node's copy, at the client's default consistency).
     */
    public Iterable<Entry> scan(String prefix) {
        return scan(prefix, 0, null);
    }

    /**
     * @param pageSize keys per page (0: the node's default)
     * @param level    the consistency of each page (null: the client's default)
     */
    public Iterable<Entry> scan(String prefix, int pageSize, Consistency level) {
        return () -> new Iterator<>() {
            private Iterator<Entry> page = List.<Entry>of().iterator();
            private Optional<String> cursor = Optional.empty();
            private boolean last;

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !last) {
                    ScanPage next = scanPage(prefix, pageSize, cursor.orElse(null), level);
                    page = next.items().iterator();
                    cursor = next.cursor();
                    last = cursor.isEmpty();
                }
                return page.hasNext();
            }

            @Override
            public Entry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the scan of '" + prefix + "' has no more keys");
                }
                return page.next();
            }
        };
    }

    /** One page of a scan: from the start ({@code cursor} null) or where the page before said. */
    public ScanPage scanPage(String prefix, int pageSize, String cursor, Consistency level) {
        return run(scanCall(prefix, pageSize, cursor, level));
    }

    public CompletableFuture<ScanPage> scanPageAsync(String prefix, int pageSize, String cursor, Consistency level) {
        return runAsync(scanCall(prefix, pageSize, cursor, level));
    }

    private Call<ScanPage> scanCall(String prefix, int pageSize, String cursor, Consistency level) {
        Map<String, String> params = readParams(level, null);
        params.put("prefix", prefix == null || prefix.isEmpty() ? null : prefix);
        params.put("limit", pageSize > 0 ? Integer.toString(pageSize) : null);
        params.put("cursor", cursor);
        return new Call<>(Request.of("GET", "/v1/kv", params).forRoles("query"), Replies::scan, null);
    }

    /**
     * A page of {@code key}'s versions, newest first, with their whole values.
     *
     * @param limit  versions per page (0: the node's default)
     * @param before only versions older than this (0: from the newest); a page's {@link HistoryPage#next()}
     */
    public HistoryPage history(String key, int limit, long before) {
        return run(historyCall(key, limit, before));
    }

    public CompletableFuture<HistoryPage> historyAsync(String key, int limit, long before) {
        return runAsync(historyCall(key, limit, before));
    }

    private Call<HistoryPage> historyCall(String key, int limit, long before) {
        Map<String, String> params = readParams(null, null);
        params.put("limit", limit > 0 ? Integer.toString(limit) : null);
        params.put("before", before > 0 ? Long.toString(before) : null);
        return new Call<>(Request.of("GET", keyPath(key) + "/history", params).forRoles("query"), Replies::history,
                null);
    }

    // ----- the message protocol, the cluster, watches

    /**
     * Runs {@code ops} in one request, one after the other ({@code POST /v1/ops}); one reply each,
     * in order. Inserts and Removes without an id get one, so a failover keeps them at most once.
     */
    public List<Result> ops(List<Op> ops) {
        return run(opsCall(ops));
    }

    public CompletableFuture<List<Result>> opsAsync(List<Op> ops) {
        return runAsync(opsCall(ops));
    }

    private Call<List<Result>> opsCall(List<Op> ops) {
        ArrayNode body = Replies.JSON.createArrayNode();
        for (Op op : ops) {
            ObjectNode item = body.addObject().put("op", op.op()).put("key", op.key());
            if (op.value() != null) {
                item.put("value", op.value());
            }
            String id = op.id() == null && !op.op().equals("Get") ? UUID.randomUUID().toString() : op.id();
            if (id != null) {
                item.put("id", id);
            }
        }
        Request request = Request.of("POST", "/v1/ops", Map.of()).withBody(body.toString(), "application/json");
        // a retry on a further node waits for the apply, so its replies are the first outcomes of the ids
        request = request.withRetry(Request.of("POST", "/v1/ops", Map.of("wait", "applied"))
                .withBody(body.toString(), "application/json"));
        boolean writes = ops.stream().anyMatch(op -> !op.op().equals("Get"));
        boolean reads = ops.stream().anyMatch(op -> op.op().equals("Get"));
        request = writes && reads ? request.forRoles("writer", "query") : request.forRoles(writes ? "writer" : "query");
        return new Call<>(request,
                reply -> {
                    List<Result> results = new ArrayList<>();
                    for (var item : Replies.ok(reply)) {
                        Result result = Replies.result(item);
                        if (result instanceof OperationAck ack) {
                            session.saw(ack.token());
                        } else if (result instanceof GetResult get) {
                            session.saw(get.token());
                        }
                        results.add(result);
                    }
                    return List.copyOf(results);
                }, null);
    }

    /** What a node knows of the cluster: brokers, live nodes with their positions, partitions. */
    public ClusterView cluster() {
        return run(clusterCall());
    }

    public CompletableFuture<ClusterView> clusterAsync() {
        return runAsync(clusterCall());
    }

    private static Call<ClusterView> clusterCall() {
        return new Call<>(Request.of("GET", "/v1/cluster", Map.of()).forRoles("query"), Replies::cluster, null);
    }

    /**
     * Watches changes ({@code GET /v1/watch}), handing each event to {@code listener} on the
     * watch's own thread, in order; see {@link Watch} for how it resumes across nodes.
     */
    public Watch watch(WatchRequest request, Consumer<WatchEvent> listener) {
        Watch watch = new Watch(transport, request, listener, Duration.ofMillis(250), transport::reason);
        synchronized (watches) {
            watches.removeIf(w -> w.done().isDone());
            watches.add(watch);
        }
        watch.start();
        return watch;
    }

    // ----- the client itself

    /** The session: per partition, the newest position this client saw ({@code P:O,…}), or null. */
    public String session() {
        return session.after();
    }

    /** Sends requests to {@code url} first from now on (the others only when it does not answer). */
    public void use(String url) {
        transport.use(url);
    }

    /** The node that answered last. */
    public String currentNode() {
        return transport.current();
    }

    /** The nodes requests go to now. */
    public List<String> nodes() {
        return transport.nodes();
    }

    /** Ends the client's watches. Requests in flight complete. */
    @Override
    public void close() {
        synchronized (watches) {
            watches.forEach(Watch::close);
            watches.clear();
        }
    }

    private static String keyPath(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("key: must not be empty");
        }
        return "/v1/kv/" + Transport.encode(key);
    }

    /**
     * A request, how its reply becomes a result (or an exception), and for a write its id, which
     * every failure of the call carries ({@link KvException#requestId()}) so it can be resent.
     */
    private record Call<T>(Request request, Function<Reply, T> result, String id) {

        /** {@code failure}, naming the write's id when it is a {@link KvException}. */
        Throwable identified(Throwable failure) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (id != null && cause instanceof KvException k) {
                k.requestId(id);
            }
            return cause;
        }
    }

    /** Runs {@code call} on this thread (the JDK client's blocking send: one thread hand-off fewer than async). */
    private <T> T run(Call<T> call) {
        try {
            return call.result().apply(transport.sendBlocking(call.request()));
        } catch (KvException e) {
            throw (KvException) call.identified(e);
        }
    }

    private <T> CompletableFuture<T> runAsync(Call<T> call) {
        return transport.send(call.request()).thenApply(call.result()).handle((result, failure) -> {
            if (failure != null) {
                throw new CompletionException(call.identified(failure));
            }
            return result;
        });
    }
}
