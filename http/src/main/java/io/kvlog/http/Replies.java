package io.kvlog.http;

import io.kvlog.protocol.Validation;
import io.netty.handler.codec.DecoderException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON replies and the one failure handler of the HTTP API: every error is
 * {@code {"error":CODE,"message":…}} with a fitting status, never an HTML page or a stack trace.
 */
public final class Replies {

    private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

    private Replies() {
    }

    /** Ends the request with {@code body} as JSON. */
    public static void json(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return; // the client went away, or the deadline already answered
        }
        ctx.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(body.encode());
    }

    /** Ends the request with an error reply. */
    public static void error(RoutingContext ctx, int status, String code, String message) {
        json(ctx, status, new JsonObject().put("error", code).put("message", message));
    }

    /** Ends the request with the reply {@code failure} stands for. */
    public static void failure(RoutingContext ctx, Throwable failure) {
        if (failure instanceof ApiException api) {
            error(ctx, api.status(), api.code(), api.getMessage());
        } else if (failure instanceof IllegalArgumentException bad) {
            error(ctx, 400, "BAD_REQUEST", bad.getMessage());
        } else if (failure instanceof DecoderException bad) {
            // a body its Content-Type does not describe (a form field over Netty's limit in a
            // "multipart/form-data" body, a malformed form): the client's fault, not the node's
            error(ctx, 400, "BAD_REQUEST", "the request body is not what its Content-Type "
                    + Validation.quote(String.valueOf(ctx.request().getHeader("Content-Type"))) + " says: " + bad);
        } else {
            LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
            error(ctx, 500, "INTERNAL", "internal error: " + failure);
        }
    }

    /**
     * Installs the node header on every reply, and the failure handler that turns thrown
     * exceptions and Vert.x's own status failures (404, 405, 413, …) into JSON errors.
     * Call first, before any route is added.
     */
    public static void install(Router router, NodeIdentity node) {
        router.route().order(-1000).handler(ctx -> {
            ctx.response().putHeader(NodeIdentity.NODE_HEADER, node.nodeId());
            try {
                // decoded here, before any body handler: one that reads a form body decodes the
                // query as it ends, where a bad one threw past every handler and left the request hanging
                ctx.request().params();
            } catch (IllegalArgumentException bad) {
                error(ctx, 400, "BAD_REQUEST", "query: " + bad.getMessage());
                return;
            }
            ctx.next();
        });
        router.route().failureHandler(ctx -> {
            if (ctx.failure() != null) {
                failure(ctx, ctx.failure());
                return;
            }
            int status = ctx.statusCode();
            switch (status) {
                case 404 -> error(ctx, 404, "NOT_FOUND", "no such path: " + ctx.request().path());
                case 405 -> error(ctx, 405, "METHOD_NOT_ALLOWED",
                        ctx.request().method() + " is not supported on " + ctx.request().path());
                case 413 -> error(ctx, 413, "TOO_LARGE", "request body too large");
                case 415 -> error(ctx, 415, "UNSUPPORTED_MEDIA_TYPE",
                        "unsupported content type " + ctx.request().getHeader("Content-Type"));
                default -> error(ctx, status, "HTTP_" + status, "request failed with status " + status);
            }
        });
        // a path Vert.x cannot decode (an invalid percent-encoding) fails before any route, with 400
        router.errorHandler(400, ctx -> error(ctx, 400, "BAD_REQUEST", ctx.failure() != null
                ? "bad request: " + ctx.failure().getMessage() : "malformed request target: "
                + Validation.quote(ctx.request().uri())));
        router.errorHandler(404, ctx -> error(ctx, 404, "NOT_FOUND", "no such path: " + ctx.request().path()));
        router.errorHandler(405, ctx -> error(ctx, 405, "METHOD_NOT_ALLOWED",
                ctx.request().method() + " is not supported on " + ctx.request().path()));
    }
}
