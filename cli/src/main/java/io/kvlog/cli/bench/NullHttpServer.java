package io.kvlog.cli.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A trivial HTTP server on a free 127.0.0.1 port that answers every request with 200 and a small
 * JSON body, without doing any work: running a workload against it measures the load generator's
 * own ceiling (on the same machine, sharing its cores, as the real runs do).
 * Started by the constructor, stopped by {@link #close()}.
 */
public final class NullHttpServer implements AutoCloseable {

    private static final Buffer REPLY = Buffer.buffer("{\"result\":\"GetResult\",\"value\":\"x\"}");

    private final Vertx vertx;
    private final HttpServer server;

    public NullHttpServer() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try {
            server = vertx.createHttpServer()
                    .requestHandler(request -> request.body().onComplete(body -> request.response()
                            .putHeader("content-type", "application/json").end(REPLY)))
                    .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot start the null HTTP server on 127.0.0.1: " + e.getMessage(), e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.actualPort());
    }

    /** The target that drives this server with kvlog-shaped requests. */
    public BenchTarget target() {
        List<URI> endpoints = List.of(url());
        return new BenchTarget() {
            @Override
            public String system() {
                return "null-http";
            }

            @Override
            public List<URI> endpoints() {
                return endpoints;
            }

            @Override
            public boolean supports(Workload workload) {
                return true;
            }

            @Override
            public Request write(String key, String value, Workload workload) {
                return new Request(HttpMethod.PUT, "/v1/kv/" + key, Buffer.buffer(value));
            }

            @Override
            public Request read(String key, Workload workload) {
                return new Request(HttpMethod.GET, "/v1/kv/" + key, null);
            }

            @Override
            public boolean success(boolean read, int status, Buffer body) {
                return status == 200;
            }
        };
    }

    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the null HTTP server: " + e.getMessage(), e);
        }
    }
}
