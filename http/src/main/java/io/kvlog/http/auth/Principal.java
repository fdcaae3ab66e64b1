package io.kvlog.http.auth;

import io.kvlog.protocol.KeyOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Who sent a request, with what it may do: for each {@link Permission}, the key prefixes it
 * covers (a key is covered when it starts with one of them; {@code ""} covers every key).
 *
 * @param name              the principal's name in the auth file ({@code anonymous} when auth is off)
 * @param prefixes          permission → the prefixes it is granted on, minimal (none covers another) and in key order
 * @param requestsPerSecond its rate limit, null for the node's default, 0 for none
 */
public record Principal(String name, Map<Permission, List<String>> prefixes, Integer requestsPerSecond) {

    /** Every request when auth is off: may do everything, on every key. */
    public static final Principal ANONYMOUS = of("anonymous", AuthFile.EVERYTHING, null);
    /** A request no guard saw (a route mounted without one): may do nothing. */
    public static final Principal NOBODY = of("nobody", Map.of(), 0);

    /** A principal with its grants made minimal: a prefix under another of the same permission is dropped. */
    public static Principal of(String name, Map<Permission, ? extends Iterable<String>> grants, Integer requestsPerSecond) {
        Map<Permission, List<String>> minimal = new java.util.EnumMap<>(Permission.class);
        grants.forEach((permission, granted) -> {
            List<String> sorted = new ArrayList<>();
            granted.forEach(sorted::add);
            sorted.sort(Comparator.comparingInt(String::length).thenComparing(KeyOrder.INSTANCE));
            List<String> kept = new ArrayList<>();
            for (String prefix : sorted) {
                if (kept.stream().noneMatch(prefix::startsWith)) {
                    kept.add(prefix);
                }
            }
            kept.sort(KeyOrder.INSTANCE);
            if (!kept.isEmpty()) {
                minimal.put(permission, List.copyOf(kept));
            }
        });
        return new Principal(name, Map.copyOf(minimal), requestsPerSecond);
    }

    /** Whether it may do {@code permission} on {@code key}. */
    public boolean may(Permission permission, String key) {
        return prefixes(permission).stream().anyMatch(key::startsWith);
    }

    /** Whether it may do {@code permission} on every key. */
    public boolean mayAll(Permission permission) {
        return prefixes(permission).contains("");
    }

    /** The prefixes it may do {@code permission} on, in key order; empty if none. */
    public List<String> prefixes(Permission permission) {
        return prefixes.getOrDefault(permission, List.of());
    }
}
