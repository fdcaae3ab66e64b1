package io.kvlog.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's static files as the node's router serves them from the jar: the page at
 * {@code /}, and every script and style it names (its own and the WebJars'), with no Kafka and
 * no roles behind the router. That the page works is checked in a real browser against a real
 * cluster (the cli module's ConsoleIT).
 */
class ConsoleRoutesTest {

    private static final Pattern LOCAL_REFERENCE = Pattern.compile("(?:src|href)=\"(/[^\"]*)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path stateDir;
    private Vertx vertx;
    private String base;

    @BeforeEach
    void serveTheRouterWithoutRoles() {
        // no writer or query role is passed to the router; the config's port is not bound (a free one below)
        NodeConfig config = new NodeConfig(1, "127.0.0.1", 8080, "127.0.0.1:9", stateDir, 3, 1, Duration.ofSeconds(1),
                Duration.ofHours(24), 1 << 20, EnumSet.of(Role.MATERIALIZER), NodeConfig.DEFAULT_NODE_TIMEOUT,
                16L << 20, Map.of(), HttpLimits.defaults(), null);
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(new Node(config).router(vertx, null, null))
                .listen(0, "127.0.0.1").await();
        base = "http://127.0.0.1:" + server.actualPort();
    }

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void slashServesTheConsolePageAndEverythingItNames() throws Exception {
        // When the browser asks for /
        HttpResponse<String> page = get("/");

        // Then it is the console's page, as HTML, with the WebJar versions filled in by the build
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
        assertTrue(page.body().contains("<title>kvlog console</title>"), page.body());
        assertFalse(page.body().contains("${"), "an unfiltered placeholder: " + page.body());

        // And every script and style it names is served (no hand-copied library: the uPlot WebJar's own files)
        List<String> references = new ArrayList<>();
        Matcher m = LOCAL_REFERENCE.matcher(page.body());
        while (m.find()) {
            references.add(m.group(1));
        }
        assertTrue(references.contains("/console/console.js"), references.toString());
        assertTrue(references.stream().anyMatch(r -> r.startsWith("/webjars/uplot/")), references.toString());
        for (String reference : references) {
            HttpResponse<String> file = get(reference);
            assertEquals(200, file.statusCode(), reference);
            assertFalse(file.body().isEmpty(), reference);
        }
    }

    @Test
    void theConsolesOwnFilesAreNeverKeptStaleWhileAWebJarsVersionedFilesAreCached() throws Exception {
        // the console's files change with the node's version under the same path; a WebJar's path holds its version
        for (String own : List.of("/", "/console/console.js", "/console/console.css")) {
            HttpResponse<String> file = get(own);
            assertEquals(200, file.statusCode(), own);
            assertTrue(file.headers().firstValue("Cache-Control").orElse("").contains("no-cache"),
                    own + ": " + file.headers().map());
        }
        HttpResponse<String> page = get("/");
        Matcher webjar = Pattern.compile("src=\"(/webjars/[^\"]*)\"").matcher(page.body());
        assertTrue(webjar.find(), page.body());
        HttpResponse<String> library = get(webjar.group(1));
        assertTrue(library.headers().firstValue("Cache-Control").orElse("").contains("max-age="),
                webjar.group(1) + ": " + library.headers().map());
    }

    @Test
    void aFileTheConsoleDoesNotHaveIsTheApisJson404() throws Exception {
        HttpResponse<String> missing = get("/console/nothing-here.js");

        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("\"error\":\"NOT_FOUND\""), missing.body());
        assertEquals(404, get("/webjars/no-such-library/1.0/x.js").statusCode());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
