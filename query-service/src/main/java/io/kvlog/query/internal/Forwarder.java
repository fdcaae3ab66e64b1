package io.kvlog.query.internal;

import io.kvlog.http.ApiException;
import io.kvlog.http.NodeIdentity;
import io.kvlog.protocol.Token;
import io.kvlog.query.Consistency;
import io.kvlog.query.GetReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Sends reads to the node that holds the copy that must serve them, over pooled keep-alive
 * connections. Every request carries {@link Wire#FORWARDED_HEADER} (the owner serves it itself,
 * never forwards it again) and {@link Wire#DEADLINE_HEADER}, and is bounded by the deadline.
 *
 * <p>An answer with an error status fails the future with an {@link ApiException} of the same
 * status and code; no answer at all fails it with {@link OwnerUnreachable}.
 *
 * <p>Owns its {@link WebClient}: created in the constructor, closed in {@link #close()}.
 */
public final class Forwarder implements AutoCloseable {

    private final WebClient client;
    private final NodeIdentity self;

    public Forwarder(Vertx vertx, NodeIdentity self) {
        this.self = self;
        this.client = WebClient.create(vertx,
                new WebClientOptions().setKeepAlive(true).setUserAgent("kvlog-query/" + self.nodeId())
                        .setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(32));
    }

    /** Forwards a get to {@code owner}. */
    public Future<GetReply> get(HostInfo owner, String key, Consistency consistency, Optional<Token> after, String id,
                                Deadline deadline) {
        HttpRequest<Buffer> request = request(owner, "/v1/kv/" + PathSegment.encode(key), deadline)
                .addQueryParam("consistency", consistency.name().toLowerCase(Locale.ROOT));
        after.ifPresent(token -> request.addQueryParam("after", token.toString()));
        if (id != null) {
            request.addQueryParam("id", id);
        }
        return send(owner, request).map(response -> {
            int status = response.statusCode();
            JsonObject body = json(owner, response);
            if (status != 200 && status != 404) {
                throw error(owner, status, body);
            }
            Map<String, String> headers = new HashMap<>();
            copyHeader(response, NodeIdentity.NODE_HEADER, headers);
            copyHeader(response, Wire.COPY_HEADER, headers);
            copyHeader(response, Wire.LAG_HEADER, headers);
            headers.put(Wire.VIA_HEADER, self.nodeId());
            return new GetReply(status, body, headers);
        });
    }

    /** Asks {@code owner} for a page of its copy. */
    public Future<RangePage> range(HostInfo owner, RangeRequest range, Deadline deadline) {
        HttpRequest<Buffer> request = request(owner, Wire.RANGE_PATH, deadline)
                .addQueryParam("partition", String.valueOf(range.partition()))
                .addQueryParam("max", String.valueOf(range.max()))
                .addQueryParam("atLeast", String.valueOf(range.atLeast()))
                .addQueryParam("active", String.valueOf(range.requireActive()));
        KeyRange keys = range.range();
        if (keys.from() != null) {
            request.addQueryParam(keys.fromExclusive() ? "after" : "from", keys.from());
        }
        if (keys.toExclusive() != null) {
            request.addQueryParam("to", keys.toExclusive());
        }
        return send(owner, request).map(response -> {
            JsonObject body = json(owner, response);
            if (response.statusCode() != 200) {
                throw error(owner, response.statusCode(), body);
            }
            try {
                return RangePage.fromJson(body);
            } catch (RuntimeException e) {
                throw new OwnerUnreachable(Hosts.text(owner) + " answered a malformed page: " + e, e);
            }
        });
    }

    /** Asks {@code node} which copies it holds and their positions. */
    public Future<JsonObject> copies(HostInfo node, Deadline deadline) {
        return send(node, request(node, Wire.COPIES_PATH, deadline)).map(response -> {
            JsonObject body = json(node, response);
            if (response.statusCode() != 200) {
                throw error(node, response.statusCode(), body);
            }
            return body;
        });
    }

    @Override
    public void close() {
        client.close();
    }

    private HttpRequest<Buffer> request(HostInfo owner, String path, Deadline deadline) {
        long remaining = Math.max(1, deadline.remainingMillis());
        return client.get(owner.port(), owner.host(), path)
                .putHeader(Wire.FORWARDED_HEADER, self.nodeId())
                .putHeader(Wire.DEADLINE_HEADER, String.valueOf(remaining))
                .connectTimeout(remaining)
                .timeout(remaining);
    }

    private static Future<HttpResponse<Buffer>> send(HostInfo owner, HttpRequest<Buffer> request) {
        return request.send().recover(failure -> Future.failedFuture(
                new OwnerUnreachable("no answer from " + Hosts.text(owner) + ": " + failure.getMessage(), failure)));
    }

    private static JsonObject json(HostInfo owner, HttpResponse<Buffer> response) {
        try {
            JsonObject body = response.bodyAsJsonObject();
            if (body == null) {
                throw new OwnerUnreachable(Hosts.text(owner) + " answered " + response.statusCode() + " without a body",
                        null);
            }
            return body;
        } catch (DecodeException e) {
            throw new OwnerUnreachable(Hosts.text(owner) + " answered " + response.statusCode()
                    + " with a body that is not JSON", e);
        }
    }

    private static ApiException error(HostInfo owner, int status, JsonObject body) {
        return new ApiException(status, body.getString("error", "HTTP_" + status),
                body.getString("message", "request failed with status " + status) + " (answered by "
                        + Hosts.text(owner) + ")");
    }

    private static void copyHeader(HttpResponse<Buffer> response, String name, Map<String, String> into) {
        String value = response.getHeader(name);
        if (value != null) {
            into.put(name, value);
        }
    }
}
