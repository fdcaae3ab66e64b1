package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;
import java.util.Locale;

/**
 * Checks real replies against the OpenAPI document a node serves: the reply's status must be
 * documented for its operation, and its JSON body must match that reply's schema (JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1, with networknt's validator).
 *
 * <p>A reply's schema is validated as a document of its own that also carries the OpenAPI
 * document's {@code components}, so its {@code #/components/...} references resolve there (a
 * validator ignores the {@code components} member itself, an unknown keyword).
 */
final class OpenApiReplies {

    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private final JsonNode document;

    OpenApiReplies(JsonNode document) {
        assertEquals("3.1.0", document.path("openapi").asText(), "not an OpenAPI 3.1 document: " + document);
        this.document = document;
    }

    /** The errors of {@code body} against the schema of {@code method path}'s {@code status} reply; fails if it is not documented. */
    List<Error> errors(String method, String path, int status, String body) {
        JsonNode operation = document.path("paths").path(path).path(method.toLowerCase(Locale.ROOT));
        assertTrue(operation.isObject(), method + " " + path + " is not in the document");
        JsonNode reply = operation.path("responses").path(String.valueOf(status));
        if (reply.has("$ref")) {
            reply = document.at(reply.path("$ref").asText().substring(1));
        }
        JsonNode schema = reply.path("content").path("application/json").path("schema");
        assertTrue(schema.isObject(), method + " " + path + ": no JSON reply " + status + " in the document");
        ObjectNode standalone = schema.deepCopy();
        standalone.set("components", document.path("components"));
        Schema validator = SCHEMAS.getSchema(standalone.toString(), InputFormat.JSON);
        return validator.validate(body, InputFormat.JSON);
    }

    /** Asserts that a real reply matches its documented schema. */
    void assertMatches(String method, String path, ClusterFixture.Reply reply) {
        assertNotNull(reply.response(), method + " " + path + ": " + reply);
        String body = reply.response().body();
        List<Error> errors = errors(method, path, reply.status(), body);
        assertEquals(List.of(), errors, method + " " + path + " " + reply.status() + " " + body);
    }
}
