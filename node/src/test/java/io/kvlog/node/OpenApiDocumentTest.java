package io.kvlog.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.materializer.Materializer;
import io.kvlog.materializer.MaterializerConfig;
import io.kvlog.query.QueryConfig;
import io.kvlog.query.QueryService;
import io.kvlog.http.NodeIdentity;
import io.kvlog.writer.WriterConfig;
import io.kvlog.writer.WriterService;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document the node serves at {@code /v1/openapi.json}: valid for a real OpenAPI
 * parser, and describing exactly the routes the node's router serves, less the web console's
 * static files ({@link Node#CONSOLE_ROUTES}: a page and its scripts, not calls of the API). (That
 * real replies match its schemas is checked against a running cluster, in the cli module's
 * DirectProducerIT.)
 */
class OpenApiDocumentTest {

    // nothing listens here: the roles' Kafka clients are created but never asked anything
    private static final String NO_KAFKA = "127.0.0.1:9";

    @TempDir
    Path stateDir;

    @Test
    void aRealOpenApiParserReadsTheDocumentWithoutAMessage() {
        // Given the document as the jar carries it
        String json = Node.openApiDocument().toString(StandardCharsets.UTF_8);

        // When swagger-parser reads it
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setValidateInternalRefs(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(json, null, options);

        // Then it is OpenAPI 3.1 with no message at all
        assertEquals(List.of(), result.getMessages() == null ? List.of() : result.getMessages());
        OpenAPI api = result.getOpenAPI();
        assertNotNull(api);
        assertEquals("3.1.0", api.getOpenapi());
        assertTrue(api.getPaths().size() > 10, "paths: " + api.getPaths().keySet());
    }

    @Test
    void theDocumentHasEveryRouteOfTheApiTheNodeServesAndNothingMore() throws Exception {
        // Given a node with every role, its router built by the same method start() uses
        NodeConfig config = new NodeConfig(1, "127.0.0.1", 8080, NO_KAFKA, stateDir, 3, 1, Duration.ofSeconds(1),
                Duration.ofHours(24), 1 << 20, EnumSet.allOf(Role.class), NodeConfig.DEFAULT_NODE_TIMEOUT,
                16L << 20, Map.of(), HttpLimits.defaults(), null);
        Node node = new Node(config);
        Vertx vertx = Vertx.vertx();
        try (Materializer copy = new Materializer(MaterializerConfig.defaults(NO_KAFKA, stateDir, config.name()), 3);
             WriterService writer = new WriterService(vertx, WriterConfig.defaults(NO_KAFKA), copy, List::of,
                     config.name());
             QueryService query = new QueryService(vertx, copy, List::of, QueryConfig.defaults(NO_KAFKA),
                     new NodeIdentity(config.name(), config.url()), Map.of())) {
            Router router = node.router(vertx, writer, query);

            // When its routes and the document's operations are listed as "METHOD /path/{param}"
            TreeSet<String> served = new TreeSet<>();
            for (Route route : router.getRoutes()) {
                if (route.getPath() == null) {
                    continue; // the JSON errors and node header of every request, not a call
                }
                if (route.methods() == null) {
                    continue; // a check in front of every method under a path (the admin routes' guard), not a call
                }
                String path = route.isExactPath() ? route.getPath() : route.getPath() + "*";
                for (HttpMethod method : route.methods()) {
                    served.add(method.name() + " " + path.replaceAll(":([A-Za-z0-9_]+)", "{$1}"));
                }
            }
            // The web console's static files (its page, script, style and WebJars) are no calls of
            // the API and are not in the document: exactly those routes are left out, and they must be served
            for (String console : Node.CONSOLE_ROUTES) {
                assertTrue(served.remove("GET " + console), "the console route GET " + console + " is served: " + served);
            }
            OpenAPI api = new OpenAPIV3Parser().readContents(Node.openApiDocument().toString(StandardCharsets.UTF_8),
                    null, new ParseOptions()).getOpenAPI();
            TreeSet<String> documented = new TreeSet<>();
            for (Map.Entry<String, PathItem> path : api.getPaths().entrySet()) {
                path.getValue().readOperationsMap().keySet().forEach(method ->
                        documented.add(method.name().toUpperCase(Locale.ROOT) + " " + path.getKey()));
            }

            // Then they are the same
            assertEquals(served, documented);
        } finally {
            vertx.close().await();
        }
    }
}
