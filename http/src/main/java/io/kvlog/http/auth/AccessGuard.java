package io.kvlog.http.auth;

import io.kvlog.http.ApiException;
import io.kvlog.http.Replies;
import io.kvlog.protocol.Validation;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call this node, checked before any route reads a body or a key.
 *
 * <p>{@link #install} puts one handler in front of every route but the public ones (health,
 * readiness, the OpenAPI document, the console's static files): it finds the request's
 * {@link Principal} from {@code Authorization: Bearer TOKEN} (401 {@code UNAUTHENTICATED} if
 * missing or matching no principal, with {@code WWW-Authenticate}), then takes one request from
 * the principal's rate limit (429 {@code RATE_LIMITED} with {@code Retry-After}). The routes then
 * ask {@link #require} for what they touch (403 {@code FORBIDDEN} naming the principal, the
 * permission and the key; never whether the key exists) or, for scans and watches, read
 * {@link #principal} and show only the keys it may read.
 *
 * <p>Auth off (no auth file): every request is {@link Principal#ANONYMOUS}, which may do
 * everything; the rate limit, if set, is per client address. The auth file is read again within
 * {@value #RELOAD_MILLIS} ms of a change (a token revoked there is refused from then on); a
 * changed file that does not check is logged and the previous one stays in force.
 */
public final class AccessGuard {

    /** Where a request's principal is kept in its routing context. */
    static final String PRINCIPAL = "kv.principal";
    static final long RELOAD_MILLIS = 2000;
    private static final Logger LOG = LoggerFactory.getLogger(AccessGuard.class);

    private final Path authFile;
    private final int defaultRequestsPerSecond;
    private final Predicate<String> publicPath;
    private final RateLimiter limiter = new RateLimiter();
    private final List<Consumer<AuthFile>> reloadListeners = new CopyOnWriteArrayList<>();
    /** Rules a file must keep: each gives what it broke, or null. */
    private final List<java.util.function.Function<AuthFile, String>> rules = new CopyOnWriteArrayList<>();
    private volatile AuthFile policy;
    /** The modification time and size of the file last read, whether it checked or not. */
    private volatile String seenVersion;
    private volatile boolean reportedGone;

    /**
     * @param authFile                 the auth file, null for auth off
     * @param defaultRequestsPerSecond each principal's rate limit unless the auth file sets its own; 0 for none
     * @param publicPath               the request paths anyone may get without a token
     */
    public AccessGuard(Path authFile, int defaultRequestsPerSecond, Predicate<String> publicPath) {
        if (defaultRequestsPerSecond < 0) {
            throw new IllegalArgumentException("rate limit: must be >= 0 requests per second (0: none), got "
                    + defaultRequestsPerSecond);
        }
        this.authFile = authFile;
        this.defaultRequestsPerSecond = defaultRequestsPerSecond;
        this.publicPath = publicPath;
        if (authFile != null) {
            this.seenVersion = version(authFile);
            this.policy = AuthFile.read(authFile);
        }
    }

    /**
     * A rule every auth file this guard takes must keep, checked now (an {@link
     * IllegalArgumentException} saying {@code what} if the file in force breaks it) and at every
     * reload (a file that breaks it is refused like one that does not parse).
     */
    public void require(Predicate<AuthFile> rule, String what) {
        rules.add(file -> rule.test(file) ? null : what);
        if (policy != null && !rule.test(policy)) {
            throw new IllegalArgumentException("auth file " + authFile + ": " + what);
        }
    }

    /**
     * Calls {@code listener} with each auth file read again (on a worker thread): e.g. to end the
     * watches of a principal that is gone or whose grants changed.
     */
    public void onReload(Consumer<AuthFile> listener) {
        reloadListeners.add(listener);
    }

    public boolean authOn() {
        return authFile != null;
    }

    /** Puts the guard in front of every route of {@code router}, and re-reads the auth file when it changes. */
    public void install(Vertx vertx, Router router) {
        router.route().order(-900).handler(this::admit);
        if (authFile != null) {
            // ordered: one reload at a time
            vertx.setPeriodic(RELOAD_MILLIS, id -> vertx.executeBlocking(() -> {
                reloadIfChanged();
                return null;
            }, true));
        }
    }

    /**
     * Reads the auth file again if its modification time or size changed since it was last read;
     * keeps the one in force if the new one does not check (it is read again at its next change).
     */
    void reloadIfChanged() {
        String now;
        try {
            now = version(authFile);
        } catch (UncheckedIOException e) {
            if (!reportedGone) {
                reportedGone = true;
                LOG.error("auth file {} is gone or unreadable; the one read last stays in force: {}", authFile,
                        e.getMessage());
            }
            return;
        }
        reportedGone = false;
        if (now.equals(seenVersion)) {
            return;
        }
        AuthFile next;
        try {
            next = AuthFile.read(authFile);
            for (var rule : rules) {
                String broken = rule.apply(next);
                if (broken != null) {
                    throw new IllegalArgumentException(broken);
                }
            }
        } catch (RuntimeException e) {
            seenVersion = now;
            LOG.error("auth file {} changed but does not check; the one read last stays in force: {}", authFile,
                    e.getMessage());
            return;
        }
        seenVersion = now;
        policy = next;
        LOG.info("auth file {} read again: {} principals", authFile, next.principals().size());
        reloadListeners.forEach(listener -> listener.accept(next));
    }

    private void admit(RoutingContext ctx) {
        // the path the router matches (dot segments removed), not the raw one: /console/../v1/kv is not public
        if (publicPath.test(ctx.normalizedPath())) {
            ctx.next();
            return;
        }
        Principal principal;
        String limitKey;
        if (authFile == null) {
            principal = Principal.ANONYMOUS;
            limitKey = "address " + ctx.request().remoteAddress().hostAddress();
        } else {
            principal = bearer(ctx);
            if (principal == null) {
                return;
            }
            limitKey = "principal " + principal.name();
        }
        int rate = principal.requestsPerSecond() != null ? principal.requestsPerSecond() : defaultRequestsPerSecond;
        if (rate > 0) {
            long waitMillis = limiter.acquire(limitKey, rate);
            if (waitMillis > 0) {
                ctx.response().putHeader("Retry-After", Long.toString((waitMillis + 999) / 1000));
                Replies.error(ctx, 429, "RATE_LIMITED", limitKey + " is over its limit of " + rate
                        + " requests per second; retry after " + waitMillis + " ms");
                return;
            }
        }
        ctx.put(PRINCIPAL, principal);
        ctx.next();
    }

    /** The principal of the request's bearer token; null once a 401 is answered. */
    private Principal bearer(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        String token = null;
        if (header != null && header.length() > 7 && header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            token = header.substring(7).trim();
        }
        if (token == null || token.isEmpty()) {
            unauthenticated(ctx, header == null ? "no credentials: send Authorization: Bearer TOKEN"
                    : "Authorization: must be Bearer TOKEN");
            return null;
        }
        Principal principal = policy.authenticate(token).orElse(null);
        if (principal == null) {
            unauthenticated(ctx, "the bearer token matches no principal of this node's auth file (revoked or mistyped?)");
        }
        return principal;
    }

    private static void unauthenticated(RoutingContext ctx, String message) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"kvlog\"");
        Replies.error(ctx, 401, "UNAUTHENTICATED", message);
    }

    /** A route's check that its principal may do {@code permission} on the key of its {@code :key} path parameter. */
    public static Handler<RoutingContext> onKey(Permission permission) {
        return ctx -> {
            require(ctx, permission, ctx.pathParam("key"));
            ctx.next();
        };
    }

    /** A route's check that its principal may make the admin calls ({@code admin} on every key). */
    public static Handler<RoutingContext> admin() {
        return ctx -> {
            Principal principal = principal(ctx);
            if (!principal.mayAll(Permission.ADMIN)) {
                throw forbidden(principal.name() + " may not call " + ctx.request().path() + ": it needs admin");
            }
            ctx.next();
        };
    }

    /** Fails with a 403 unless the request's principal may do {@code permission} on {@code key}. */
    public static void require(RoutingContext ctx, Permission permission, String key) {
        Principal principal = principal(ctx);
        if (!principal.may(permission, key)) {
            throw forbidden(principal.name() + " may not " + permission.label() + " key " + Validation.quote(key)
                    + ": none of its roles grants " + permission.label() + " on a prefix of it");
        }
    }

    /** The principal the guard found for this request; {@link Principal#NOBODY} if no guard saw it. */
    public static Principal principal(RoutingContext ctx) {
        Principal principal = ctx.get(PRINCIPAL);
        return principal == null ? Principal.NOBODY : principal;
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "FORBIDDEN", message);
    }

    /** What tells one version of the file from the next: its modification time and size. */
    private static String version(Path file) {
        try {
            return Files.getLastModifiedTime(file) + "/" + Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("auth file " + file + ": " + e.getMessage(), e);
        }
    }
}
