package io.kvlog.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.http.NodeIdentity;
import io.kvlog.http.Replies;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guard in front of a router of stand-in routes, over real HTTP on a free loopback port. */
class AccessGuardTest {

    private static final String ADMIN = "admin-token";
    private static final String READER = "reader-token";

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private Vertx vertx;
    private HttpServer server;

    @AfterEach
    void stop() throws Exception {
        if (vertx != null) {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private Path authFile() {
        return authFile(null);
    }

    /** ops may do everything; reporting may read orders/ at {@code reportingRate} requests per second (null: the default). */
    private Path authFile(Integer reportingRate) {
        Path file = dir.resolve("auth.json");
        AuthFile.empty()
                .withRole("all", AuthFile.EVERYTHING)
                .withRole("orders-reader", Map.of(Permission.READ, List.of("orders/")))
                .withPrincipal("ops", new AuthFile.Entry(List.of("all"), List.of(AuthFile.hash(ADMIN)), null))
                .withPrincipal("reporting", new AuthFile.Entry(List.of("orders-reader"), List.of(AuthFile.hash(READER)), reportingRate))
                .write(file);
        return file;
    }

    /** Serves {@code /v1/health} (public), {@code GET|PUT /v1/kv/:key} (read|write on the key) and {@code /v1/admin/x}. */
    private int serve(AccessGuard guard) throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        Replies.install(router, new NodeIdentity("node-1", "http://127.0.0.1"));
        guard.install(vertx, router);
        router.get("/v1/kv/:key").handler(AccessGuard.onKey(Permission.READ));
        router.put("/v1/kv/:key").handler(AccessGuard.onKey(Permission.WRITE));
        router.route("/v1/admin/*").handler(AccessGuard.admin());
        router.get("/v1/health").handler(ctx -> Replies.json(ctx, 200, new JsonObject().put("status", "up")));
        router.route("/v1/*").handler(ctx -> Replies.json(ctx, 200,
                new JsonObject().put("principal", AccessGuard.principal(ctx).name())));
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        return server.actualPort();
    }

    private HttpResponse<String> send(int port, String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withoutAValidTokenOnlyThePublicRoutesAnswer() throws Exception {
        int port = serve(new AccessGuard(authFile(), 0, path -> path.equals("/v1/health")));

        HttpResponse<String> none = send(port, "GET", "/v1/kv/orders%2F1", null);
        HttpResponse<String> wrong = send(port, "GET", "/v1/kv/orders%2F1", "not-a-token");
        HttpResponse<String> health = send(port, "GET", "/v1/health", null);

        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"kvlog\"", none.headers().firstValue("WWW-Authenticate").orElse(null));
        assertEquals("UNAUTHENTICATED", new JsonObject(none.body()).getString("error"));
        assertTrue(new JsonObject(none.body()).getString("message").contains("Authorization: Bearer"));
        assertEquals(401, wrong.statusCode());
        assertTrue(!wrong.body().contains("not-a-token"), "a refused token is never echoed");
        assertEquals(200, health.statusCode());
    }

    @Test
    void aPublicLookingPathThatLeadsElsewhereIsNotPublic() throws Exception {
        int port = serve(new AccessGuard(authFile(), 0, path -> path.equals("/v1/health") || path.startsWith("/public/")));

        // sent as is, on a socket: an HTTP client would resolve the dot segments itself
        String reply;
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /public/../v1/cluster HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            reply = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }

        assertTrue(reply.startsWith("HTTP/1.1 401"), reply);
    }

    @Test
    void aPrincipalMayOnlyWhatItsRolesGrant() throws Exception {
        int port = serve(new AccessGuard(authFile(), 0, path -> false));

        HttpResponse<String> read = send(port, "GET", "/v1/kv/orders%2F1", READER);
        HttpResponse<String> readElsewhere = send(port, "GET", "/v1/kv/users%2F1", READER);
        HttpResponse<String> write = send(port, "PUT", "/v1/kv/orders%2F1", READER);
        HttpResponse<String> admin = send(port, "GET", "/v1/admin/x", READER);
        HttpResponse<String> opsAdmin = send(port, "GET", "/v1/admin/x", ADMIN);

        assertEquals(200, read.statusCode());
        assertEquals("reporting", new JsonObject(read.body()).getString("principal"));
        assertEquals(403, readElsewhere.statusCode());
        JsonObject refused = new JsonObject(readElsewhere.body());
        assertEquals("FORBIDDEN", refused.getString("error"));
        assertEquals("reporting may not read key 'users/1': none of its roles grants read on a prefix of it",
                refused.getString("message"));
        assertEquals(403, write.statusCode());
        assertTrue(write.body().contains("may not write key 'orders/1'"), write.body());
        assertEquals(403, admin.statusCode());
        assertEquals(200, opsAdmin.statusCode());
    }

    @Test
    void beyondItsRateAPrincipalIsToldWhenToComeBack() throws Exception {
        int port = serve(new AccessGuard(authFile(2), 1000, path -> false));

        // reporting's own limit (2/s) wins over the node's default (1000/s); ops has the default
        List<Integer> statuses = new java.util.ArrayList<>();
        HttpResponse<String> limited = null;
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> reply = send(port, "GET", "/v1/kv/orders%2F1", READER);
            statuses.add(reply.statusCode());
            if (reply.statusCode() == 429) {
                limited = reply;
            }
        }
        HttpResponse<String> other = send(port, "GET", "/v1/kv/orders%2F1", ADMIN);

        assertEquals(List.of(200, 200), statuses.subList(0, 2), "a burst of the rate passes");
        assertNotNull(limited, "then 429: " + statuses);
        assertEquals("1", limited.headers().firstValue("Retry-After").orElse(null));
        assertEquals("RATE_LIMITED", new JsonObject(limited.body()).getString("error"));
        assertEquals(200, other.statusCode(), "one principal's limit is its own");
    }

    @Test
    void withAuthOffEveryoneIsAnonymousAndTheLimitIsPerAddress() throws Exception {
        int port = serve(new AccessGuard(null, 1, path -> false));

        HttpResponse<String> first = send(port, "PUT", "/v1/kv/anything", null);
        HttpResponse<String> second = send(port, "PUT", "/v1/kv/anything", null);

        assertEquals(200, first.statusCode());
        assertEquals("anonymous", new JsonObject(first.body()).getString("principal"));
        assertEquals(429, second.statusCode());
        assertTrue(second.body().contains("address 127.0.0.1"), second.body());
    }

    @Test
    void aRevokedTokenIsRefusedOnceTheFileIsReadAgainAndABrokenFileChangesNothing() throws Exception {
        Path file = authFile();
        AccessGuard guard = new AccessGuard(file, 0, path -> false);
        int port = serve(guard);
        assertEquals(200, send(port, "GET", "/v1/kv/orders%2F1", READER).statusCode());

        AuthFile.read(file).without("reporting").write(file);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        guard.reloadIfChanged();
        HttpResponse<String> revoked = send(port, "GET", "/v1/kv/orders%2F1", READER);
        Files.writeString(file, "{ broken");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        guard.reloadIfChanged();
        HttpResponse<String> stillOps = send(port, "GET", "/v1/kv/orders%2F1", ADMIN);

        assertEquals(401, revoked.statusCode());
        assertEquals(200, stillOps.statusCode(), "a file that does not check leaves the last good one in force");
    }

    @Test
    void aFileThatBreaksARuleIsRefusedAtReloadAndListenersHearOfTheOthers() throws Exception {
        Path file = authFile();
        AccessGuard guard = new AccessGuard(file, 0, path -> false);
        guard.require(auth -> auth.authenticate(ADMIN).isPresent(), "the admin token must stay");
        List<AuthFile> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        guard.onReload(heard::add);
        int port = serve(guard);

        // a file without ops (the admin token's principal) breaks the rule: refused, ops still gets in
        AuthFile original = AuthFile.read(file);
        original.without("ops").write(file);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        guard.reloadIfChanged();
        assertEquals(200, send(port, "GET", "/v1/kv/orders%2F1", ADMIN).statusCode());
        assertTrue(heard.isEmpty(), "a refused file is not announced");

        // a file that keeps it is taken and announced
        original.without("reporting").write(file);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        guard.reloadIfChanged();
        assertEquals(1, heard.size());
        assertTrue(heard.get(0).principal("reporting").isEmpty());
        assertEquals(401, send(port, "GET", "/v1/kv/orders%2F1", READER).statusCode());
    }

    @Test
    void aRouteNoGuardSawMayDoNothing() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        Replies.install(router, new NodeIdentity("node-1", "http://127.0.0.1"));
        router.get("/v1/kv/:key").handler(AccessGuard.onKey(Permission.READ));
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);

        HttpResponse<String> reply = send(server.actualPort(), "GET", "/v1/kv/k", null);

        assertEquals(403, reply.statusCode(), "fail closed: " + reply.body());
    }
}
