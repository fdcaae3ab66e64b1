package io.kvlog.http.auth;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The auth file ({@code --auth-file}): roles, each granting permissions on key prefixes, and
 * principals, each with roles and the SHA-256 hashes of its bearer tokens (never the tokens).
 *
 * <pre>{@code
 * {"roles": {"admin": {"read": [""], "write": [""], "admin": [""]},
 *            "orders-rw": {"read": ["orders/"], "write": ["orders/"]}},
 *  "principals": {"ops": {"roles": ["admin"], "tokens": ["sha256:9f86…"]},
 *                 "orders-svc": {"roles": ["orders-rw"], "tokens": ["sha256:…"], "requestsPerSecond": 500}}}
 * }</pre>
 *
 * A principal may hold several tokens (to rotate one without downtime). {@code admin} is granted
 * on {@code ""} only: the admin calls span every key. {@link #read} checks everything and names
 * the first problem; a file that does not check is never half used.
 */
public final class AuthFile {

    /** A role's grants of every permission on every key: an administrator's, and the nodes'. */
    public static final Map<Permission, List<String>> EVERYTHING = Map.of(Permission.READ, List.of(""),
            Permission.WRITE, List.of(""), Permission.ADMIN, List.of(""));
    /** How a stored token hash starts. */
    public static final String HASH_PREFIX = "sha256:";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A role: permission → the key prefixes it grants it on. */
    public record Role(Map<Permission, List<String>> grants) {
        public Role {
            grants = Map.copyOf(grants);
        }
    }

    /** A principal as the file has it: its roles, its token hashes, its rate limit (null: the node's default, 0: none). */
    public record Entry(List<String> roles, List<String> tokens, Integer requestsPerSecond) {
        public Entry {
            roles = List.copyOf(roles);
            tokens = List.copyOf(tokens);
        }
    }

    private final Map<String, Role> roles;
    private final Map<String, Entry> principals;
    /** token hash → principal, built once. */
    private final Map<String, Principal> byTokenHash = new HashMap<>();
    /** name → principal, built once. */
    private final Map<String, Principal> byName = new HashMap<>();

    public AuthFile(Map<String, Role> roles, Map<String, Entry> principals) {
        this.roles = new TreeMap<>(roles);
        this.principals = new TreeMap<>(principals);
        Map<String, String> owners = new HashMap<>();
        this.principals.forEach((name, entry) -> {
            Map<Permission, List<String>> grants = new EnumMap<>(Permission.class);
            for (String roleName : entry.roles()) {
                Role role = this.roles.get(roleName);
                if (role == null) {
                    throw new IllegalArgumentException("principals." + name + ".roles: no role " + quote(roleName)
                            + " in roles (there are " + this.roles.keySet() + ")");
                }
                role.grants().forEach((p, prefixes) -> grants.computeIfAbsent(p, x -> new ArrayList<>()).addAll(prefixes));
            }
            Principal principal = Principal.of(name, grants, entry.requestsPerSecond());
            byName.put(name, principal);
            for (String hash : entry.tokens()) {
                checkHash(hash, "principals." + name + ".tokens");
                String other = owners.putIfAbsent(hash, name);
                if (other != null) {
                    throw new IllegalArgumentException("principals." + name + ".tokens: a token of " + quote(other)
                            + " too; every token names one principal");
                }
                byTokenHash.put(hash, principal);
            }
        });
    }

    /** An empty file: nobody may do anything. */
    public static AuthFile empty() {
        return new AuthFile(Map.of(), Map.of());
    }

    public Map<String, Role> roles() {
        return Map.copyOf(roles);
    }

    public Map<String, Entry> principals() {
        return Map.copyOf(principals);
    }

    /** The principal holding {@code token}, if any. The token is hashed, never kept or logged. */
    public Optional<Principal> authenticate(String token) {
        return Optional.ofNullable(byTokenHash.get(hash(token)));
    }

    /** The principal named {@code name}, with what its roles grant now; empty if the file has none of that name. */
    public Optional<Principal> principal(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** This file with role {@code name} set to {@code grants} (added or replaced). */
    public AuthFile withRole(String name, Map<Permission, List<String>> grants) {
        checkName(name, "role");
        Map<String, Role> next = new TreeMap<>(roles);
        next.put(name, new Role(grants));
        return new AuthFile(next, principals);
    }

    /** This file with principal {@code name} set to {@code entry} (added or replaced). */
    public AuthFile withPrincipal(String name, Entry entry) {
        checkName(name, "principal");
        Map<String, Entry> next = new TreeMap<>(principals);
        next.put(name, entry);
        return new AuthFile(roles, next);
    }

    /** This file without the principal or role {@code name}; fails if it has neither, or if a principal still uses the role. */
    public AuthFile without(String name) {
        Map<String, Entry> nextPrincipals = new TreeMap<>(principals);
        Map<String, Role> nextRoles = new TreeMap<>(roles);
        if (nextPrincipals.remove(name) == null && nextRoles.remove(name) == null) {
            throw new IllegalArgumentException("no principal or role " + quote(name));
        }
        return new AuthFile(nextRoles, nextPrincipals);
    }

    /** A new random bearer token: {@code kvt_} and 256 random bits, URL-safe. */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "kvt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** What the file stores of a token: {@code sha256:} and the hex of its UTF-8 bytes' SHA-256. */
    public static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HASH_PREFIX + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** Reads and checks the file at {@code path}; an error names the file and the first problem. */
    public static AuthFile read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("auth file " + path + ": cannot read it: " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("auth file " + path + ": " + e.getMessage(), e);
        }
    }

    /** Parses and checks the file's JSON text. */
    public static AuthFile parse(String json) {
        JsonObject root;
        try {
            root = new JsonObject(json);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
        }
        onlyFields(root, "", Set.of("roles", "principals"));
        Map<String, Role> roles = new TreeMap<>();
        object(root, "roles").forEach(e -> {
            String where = "roles." + e.getKey();
            checkName(e.getKey(), "role");
            JsonObject role = asObject(e.getValue(), where);
            Map<Permission, List<String>> grants = new EnumMap<>(Permission.class);
            for (String field : role.fieldNames()) {
                Permission permission;
                try {
                    permission = Permission.of(field);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException(where + ": " + bad.getMessage());
                }
                List<String> prefixes = strings(role.getValue(field), where + "." + field);
                if (permission == Permission.ADMIN && !prefixes.equals(List.of(""))) {
                    throw new IllegalArgumentException(where + ".admin: must be [\"\"] (the admin calls span every"
                            + " key), got " + role.getValue(field));
                }
                grants.put(permission, prefixes);
            }
            roles.put(e.getKey(), new Role(grants));
        });
        Map<String, Entry> principals = new TreeMap<>();
        object(root, "principals").forEach(e -> {
            String where = "principals." + e.getKey();
            checkName(e.getKey(), "principal");
            JsonObject p = asObject(e.getValue(), where);
            onlyFields(p, where + ".", Set.of("roles", "tokens", "requestsPerSecond"));
            Object rate = p.getValue("requestsPerSecond");
            if (rate != null && (!(rate instanceof Integer n) || n < 0)) {
                throw new IllegalArgumentException(where + ".requestsPerSecond: must be a whole number >= 0 (0: no"
                        + " limit), got " + rate);
            }
            principals.put(e.getKey(), new Entry(strings(p.getValue("roles"), where + ".roles"),
                    strings(p.getValue("tokens"), where + ".tokens"), (Integer) rate));
        });
        return new AuthFile(roles, principals);
    }

    /** The file's JSON text, indented. */
    public String toJson() {
        JsonObject rolesJson = new JsonObject();
        roles.forEach((name, role) -> {
            JsonObject r = new JsonObject();
            for (Permission p : Permission.values()) {
                if (role.grants().containsKey(p)) {
                    r.put(p.label(), new JsonArray(role.grants().get(p)));
                }
            }
            rolesJson.put(name, r);
        });
        JsonObject principalsJson = new JsonObject();
        principals.forEach((name, entry) -> {
            JsonObject p = new JsonObject().put("roles", new JsonArray(entry.roles()))
                    .put("tokens", new JsonArray(entry.tokens()));
            if (entry.requestsPerSecond() != null) {
                p.put("requestsPerSecond", entry.requestsPerSecond());
            }
            principalsJson.put(name, p);
        });
        return new JsonObject().put("roles", rolesJson).put("principals", principalsJson).encodePrettily() + "\n";
    }

    /** Writes the file at {@code path}, whole or not at all, readable by its owner only where the file system allows. */
    public void write(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".auth", ".tmp");
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions guard it
            }
            Files.writeString(temp, toJson(), StandardCharsets.UTF_8);
            Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("auth file " + path + ": cannot write it: " + e.getMessage(), e);
        }
    }

    private static Iterable<Map.Entry<String, Object>> object(JsonObject root, String field) {
        Object value = root.getValue(field);
        if (value == null) {
            return List.of();
        }
        return asObject(value, field);
    }

    private static JsonObject asObject(Object value, String where) {
        if (!(value instanceof JsonObject o)) {
            throw new IllegalArgumentException(where + ": must be an object, got " + value);
        }
        return o;
    }

    private static List<String> strings(Object value, String where) {
        if (!(value instanceof JsonArray array)) {
            throw new IllegalArgumentException(where + ": must be an array of strings, got " + value);
        }
        Set<String> out = new LinkedHashSet<>();
        for (Object item : array) {
            if (!(item instanceof String s)) {
                throw new IllegalArgumentException(where + ": must be an array of strings, got " + item);
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    private static void onlyFields(JsonObject o, String where, Set<String> allowed) {
        for (String field : o.fieldNames()) {
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException(where + field + ": unknown field (known: " + new java.util.TreeSet<>(allowed)
                        + ")");
            }
        }
    }

    private static void checkHash(String hash, String where) {
        if (!hash.startsWith(HASH_PREFIX) || hash.length() != HASH_PREFIX.length() + 64
                || !hash.substring(HASH_PREFIX.length()).chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException(where + ": must be sha256:<64 lower-case hex digits> (a token's hash, as kv auth"
                    + " principal writes it; never the token itself)");
        }
    }

    private static void checkName(String name, String what) {
        if (name.isEmpty() || name.length() > 128 || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException(what + " name: must be 1-128 printable ASCII characters without"
                    + " spaces, got " + quote(name));
        }
    }

    private static String quote(String s) {
        return io.kvlog.protocol.Validation.quote(s);
    }
}
