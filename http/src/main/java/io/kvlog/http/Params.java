package io.kvlog.http;

import io.kvlog.protocol.Validation;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Query parameters and headers of the HTTP API, checked; bad input is an {@link ApiException} 400 naming it. */
public final class Params {

    /** Header that may carry the request id instead of {@code ?id=}. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private Params() {
    }

    /** The request id from {@code ?id=} or {@code Idempotency-Key}, checked; empty if neither is given. */
    public static Optional<String> id(RoutingContext ctx) {
        String query = ctx.request().getParam("id");
        String header = ctx.request().getHeader(IDEMPOTENCY_KEY);
        if (query != null && header != null && !query.equals(header)) {
            throw ApiException.badRequest("id: ?id=" + Validation.quote(query) + " and " + IDEMPOTENCY_KEY + ": "
                    + Validation.quote(header) + " differ; give one, or the same in both");
        }
        String id = query != null ? query : header;
        return id == null ? Optional.empty() : Optional.of(Validation.id(id));
    }

    /** A key parameter, checked as a key; null if absent or empty. */
    public static String optionalKey(RoutingContext ctx, String name) {
        String text = ctx.request().getParam(name);
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return Validation.key(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name + ": " + e.getMessage());
        }
    }

    /** A non-negative long parameter, if present. */
    public static Optional<Long> nonNegativeLong(RoutingContext ctx, String name) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return Optional.empty();
        }
        try {
            long value = Long.parseLong(text);
            if (value >= 0) {
                return Optional.of(value);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest(name + ": must be a whole number >= 0, got " + Validation.quote(text));
    }

    /** An int parameter within [min, max], or {@code fallback} if absent. */
    public static int intInRange(RoutingContext ctx, String name, int min, int max, int fallback) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.badRequest(name + ": must be a whole number from " + min + " to " + max + ", got "
                + Validation.quote(text));
    }

    /** {@code true} or {@code false}, if present. */
    public static Optional<Boolean> bool(RoutingContext ctx, String name) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return Optional.empty();
        }
        return switch (text) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> throw ApiException.badRequest(name + ": must be true or false, got " + Validation.quote(text));
        };
    }

    /** One of an enum's constants by its lower-case name, or {@code fallback} if absent. */
    public static <E extends Enum<E>> E choice(RoutingContext ctx, String name, Class<E> type, E fallback) {
        String text = ctx.request().getParam(name);
        if (text == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(text)) {
                return e;
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        throw ApiException.badRequest(name + ": must be one of " + allowed + ", got " + Validation.quote(text));
    }
}
