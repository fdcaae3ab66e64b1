package io.kvlog.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.http.NodeSecurity;
import io.kvlog.http.auth.AuthFile;
import io.kvlog.http.auth.Permission;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * no roles behind the router; with auth on, those files stay public while the calls the page makes
 * need a token. That the page works is checked in a real browser against a real cluster, and its
 * sign-in against a {@link RouterOnlyNode} with auth on (the cli module's ConsoleIT).
 */
class ConsoleRoutesTest {

    private static final Pattern LOCAL_REFERENCE = Pattern.compile("(?:src|href)=\"(/[^\"]*)\"");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path stateDir;
    private RouterOnlyNode node;
    private String base;

    @BeforeEach
    void serveTheRouterWithoutRoles() {
        node = RouterOnlyNode.serve(stateDir, NodeSecurity.NONE);
        base = node.url();
    }

    @AfterEach
    void close() {
        node.close();
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

    @Test
    void withAuthOnTheConsolesFilesStayPublicWhileTheCallsItMakesNeedAToken() throws Exception {
        // Given a node with auth on, whose auth file has the nodes' admin and a reader
        String nodeToken = AuthFile.newToken();
        String readerToken = AuthFile.newToken();
        Path authFile = stateDir.resolve("auth.json");
        AuthFile.empty()
                .withRole("admin", AuthFile.EVERYTHING)
                .withRole("reader", Map.of(Permission.READ, List.of("")))
                .withPrincipal("node", new AuthFile.Entry(List.of("admin"), List.of(AuthFile.hash(nodeToken)), null))
                .withPrincipal("ada", new AuthFile.Entry(List.of("reader"), List.of(AuthFile.hash(readerToken)), null))
                .write(authFile);
        try (RouterOnlyNode secured = RouterOnlyNode.serve(stateDir, new NodeSecurity(authFile, nodeToken, 0, null))) {
            base = secured.url();

            // When the browser asks, with no token, for the page and everything it names
            HttpResponse<String> page = get("/");
            List<String> files = new ArrayList<>(List.of("/", "/console/console.js", "/console/console.css"));
            Matcher m = LOCAL_REFERENCE.matcher(page.body());
            while (m.find()) {
                files.add(m.group(1));
            }

            // Then every file is served: the page can load and ask for a token
            for (String file : files) {
                assertEquals(200, get(file).statusCode(), file);
            }

            // And every call the page makes answers 401, naming the scheme, until it sends a token
            for (String call : List.of("/v1/cluster", "/metrics", "/v1/kv?prefix=&limit=20", "/v1/kv/a",
                    "/v1/watch?prefix=&from=now")) {
                HttpResponse<String> refused = get(call);
                assertEquals(401, refused.statusCode(), call + ": " + refused.body());
                assertEquals("Bearer realm=\"kvlog\"", refused.headers().firstValue("WWW-Authenticate").orElse(""), call);
                assertTrue(refused.body().contains("\"error\":\"UNAUTHENTICATED\""), call + ": " + refused.body());
            }
            // with the reader's token, past the guard (this router has no query role: the API's 404)
            HttpResponse<String> admitted = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/cluster"))
                    .header("Authorization", "Bearer " + readerToken).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, admitted.statusCode(), admitted.body());
        }
    }

    @Test
    void theScriptKeepsTheTokenForTheTabAndSendsItFromOnePlace() throws Exception {
        // the contract of console.js that a browser test would see only when it breaks it
        String script = get("/console/console.js").body();

        // sessionStorage (this tab, until it closes), never localStorage (every tab, on disk)
        assertTrue(script.contains("sessionStorage.getItem("), "the token is not read from sessionStorage");
        assertFalse(script.contains("localStorage."), "console.js uses localStorage");
        // one fetch, the wrapper that adds Authorization; no EventSource (it cannot send the header)
        assertEquals(1, Pattern.compile("\\bfetch\\(").matcher(script).results().count(), "calls of fetch(");
        assertFalse(script.contains("new EventSource("), "the watch uses an EventSource");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
