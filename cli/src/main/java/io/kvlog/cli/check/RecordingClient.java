package io.kvlog.cli.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.client.internal.Transport;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client process of a scenario: sends kvlog requests, one per connection, and records every
 * logical operation in a {@link History} — its call, its return and how it ended:
 * <ul>
 *   <li>200 → OK (a GET observes the value, an append its new value); 404 on a GET → OK, absent;</li>
 *   <li>412, 400, 413 → FAIL: the server decided the write has no effect;</li>
 *   <li>504 {@code OperationFailed}, 503 and other 5xx on a write, a timeout or a connection cut
 *       after the request was sent → UNKNOWN (may have taken effect; open end);</li>
 *   <li>no connection at all → FAIL (nothing was sent), and the client moves to the next node;</li>
 *   <li>a read that does not answer 200/404 → FAIL: a read has no effect.</li>
 * </ul>
 * A logical operation may take several attempts: retries of a write reuse its id ({@code ?id=}),
 * so kvlog applies it at most once. It ends OK if an attempt was acked; FAIL if the last answer
 * was a definite no (with ids deduplicated, a retry's answer is the operation's), or if no attempt
 * may have reached the server; UNKNOWN otherwise.
 * Not thread-safe: one client, one thread, one operation at a time.
 */
public final class RecordingClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int process;
    private final List<String> urls;
    private final History history;
    private final Duration timeout;
    private int node;
    private long sequence;

    /**
     * @param process  this client's process number in the history
     * @param urls     the node URLs it may use; it starts with {@code urls[process % size]}
     * @param timeout  how long one attempt may block on the network
     */
    public RecordingClient(int process, List<String> urls, History history, Duration timeout) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("a client needs at least one node URL");
        }
        this.process = process;
        this.urls = List.copyOf(urls);
        this.history = history;
        this.timeout = timeout;
        this.node = Math.floorMod(process, urls.size());
    }

    public int process() {
        return process;
    }

    /** How one attempt ended. */
    public enum AttemptOutcome { OK, DEFINITE_FAIL, NOT_SENT, MAYBE, READ_FAILED }

    /** The end of an operation: how it ended, and what the last answer said. */
    public record Result(OpOutcome outcome, int status, String value, long version, int attempts, String detail) {
        public boolean ok() {
            return outcome == OpOutcome.OK;
        }
    }

    /** A logical operation begun and not yet recorded as ended. */
    public final class Pending {
        private final long historyId;
        private final OpKind kind;
        private final String key;
        private final String value;
        private final Map<String, String> params;
        private boolean maybeSent;
        private int attempts;
        private AttemptOutcome last;
        private int lastStatus;
        private String lastValue;
        private long lastVersion = -1;
        private String lastDetail = "";
        private boolean ended;

        private Pending(OpKind kind, String key, String value, Map<String, String> params) {
            this.kind = kind;
            this.key = key;
            this.value = value;
            this.params = params;
            this.historyId = history.invoke(process, kind, key, value);
        }

        public String id() {
            return params.get("id");
        }

        public AttemptOutcome lastAttempt() {
            return last;
        }

        public int lastStatus() {
            return lastStatus;
        }

        public String lastDetail() {
            return lastDetail;
        }
    }

    /** Begins an operation (recording its call); a write gets a fresh id unless {@code params} has one. */
    public Pending begin(OpKind kind, String key, String value, Map<String, String> params) {
        Map<String, String> all = new LinkedHashMap<>(params);
        if (kind != OpKind.GET) {
            all.putIfAbsent("id", "c" + process + "-" + (++sequence) + "-" + Long.toHexString(System.nanoTime()));
        }
        return new Pending(kind, key, value, all);
    }

    /** One attempt of {@code op} on the current node; moves to the next node if this one cannot be reached. */
    public AttemptOutcome attempt(Pending op) {
        if (op.ended) {
            throw new IllegalStateException("operation " + op.historyId + " has ended already");
        }
        op.attempts++;
        String url = urls.get(node);
        URI base = URI.create(url);
        try {
            OneShotHttp.Reply reply = OneShotHttp.send(base.getHost(), base.getPort(), method(op.kind),
                    path(op.kind, op.key) + Transport.query(op.params), op.kind == OpKind.GET || op.kind == OpKind.DELETE ? null : op.value,
                    timeout);
            op.lastStatus = reply.status();
            op.lastDetail = reply.status() + " " + abbreviate(reply.body()) + " from " + url;
            op.last = classify(op, reply);
            if (op.last == AttemptOutcome.MAYBE) {
                op.maybeSent = true;
            }
            if (reply.status() == 503 && op.kind != OpKind.GET) {
                nextNode(); // an overloaded or half-started node: try another
            }
        } catch (OneShotHttp.NotSentException e) {
            op.lastStatus = 0;
            op.lastDetail = e.getMessage();
            op.last = op.kind == OpKind.GET ? AttemptOutcome.READ_FAILED : AttemptOutcome.NOT_SENT;
            nextNode();
        } catch (IOException e) {
            op.lastStatus = 0;
            op.lastDetail = e.getClass().getSimpleName() + ": " + e.getMessage() + " from " + url;
            op.last = op.kind == OpKind.GET ? AttemptOutcome.READ_FAILED : AttemptOutcome.MAYBE;
            if (op.kind != OpKind.GET) {
                op.maybeSent = true;
            }
            nextNode();
        }
        return op.last;
    }

    /** Records how {@code op} ended, from its attempts so far. */
    public Result finish(Pending op) {
        if (op.ended) {
            throw new IllegalStateException("operation " + op.historyId + " has ended already");
        }
        op.ended = true;
        OpOutcome outcome;
        if (op.last == AttemptOutcome.OK) {
            outcome = OpOutcome.OK;
            history.ok(op.historyId, op.kind == OpKind.GET || op.kind == OpKind.APPEND ? op.lastValue : null);
        } else if (op.kind != OpKind.GET && (op.maybeSent && op.last != AttemptOutcome.DEFINITE_FAIL)) {
            outcome = OpOutcome.UNKNOWN;
            history.unknown(op.historyId);
        } else {
            outcome = OpOutcome.FAIL;
            history.fail(op.historyId);
        }
        return new Result(outcome, op.lastStatus, op.lastValue, op.lastVersion, op.attempts, op.lastDetail);
    }

    /**
     * Runs an operation to its end: up to {@code maxAttempts} attempts (the same id each time),
     * {@code pause} apart, stopping at the first OK or definite failure.
     */
    public Result perform(OpKind kind, String key, String value, Map<String, String> params, int maxAttempts,
                          Duration pause) {
        Pending op = begin(kind, key, value, params);
        for (int i = 0; i < maxAttempts; i++) {
            AttemptOutcome outcome = attempt(op);
            if (outcome == AttemptOutcome.OK || outcome == AttemptOutcome.DEFINITE_FAIL) {
                break;
            }
            if (i + 1 < maxAttempts) {
                sleep(pause);
            }
        }
        return finish(op);
    }

    /** One attempt, recorded. */
    public Result once(OpKind kind, String key, String value, Map<String, String> params) {
        return perform(kind, key, value, params, 1, Duration.ZERO);
    }

    private AttemptOutcome classify(Pending op, OneShotHttp.Reply reply) {
        int status = reply.status();
        if (status == 200 || (status == 404 && op.kind == OpKind.GET)) {
            JsonNode body = parse(reply.body());
            if (body == null) {
                op.lastDetail = "unreadable reply: " + op.lastDetail;
                return op.kind == OpKind.GET ? AttemptOutcome.READ_FAILED : AttemptOutcome.MAYBE;
            }
            JsonNode value = body.get("value");
            op.lastValue = value == null || value.isNull() ? null : value.asText();
            op.lastVersion = body.path("version").asLong(-1);
            if (op.kind == OpKind.APPEND && op.lastValue == null) {
                op.lastDetail = "append acked without the new value: " + op.lastDetail;
                return AttemptOutcome.MAYBE;
            }
            return AttemptOutcome.OK;
        }
        if (op.kind == OpKind.GET) {
            return AttemptOutcome.READ_FAILED;
        }
        if (status == 412 || status == 400 || status == 413) {
            return AttemptOutcome.DEFINITE_FAIL;
        }
        if (status >= 500) {
            return AttemptOutcome.MAYBE; // 504 OperationFailed, 503, 500: it may have reached the log
        }
        // any other 4xx: the request was refused as it stood
        return AttemptOutcome.DEFINITE_FAIL;
    }

    private void nextNode() {
        node = (node + 1) % urls.size();
    }

    private static String method(OpKind kind) {
        return switch (kind) {
            case PUT -> "PUT";
            case DELETE -> "DELETE";
            case APPEND -> "POST";
            case GET -> "GET";
        };
    }

    private static String path(OpKind kind, String key) {
        String encoded = Transport.encode(key);
        return kind == OpKind.APPEND ? "/v1/kv/" + encoded + "/append" : "/v1/kv/" + encoded;
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
