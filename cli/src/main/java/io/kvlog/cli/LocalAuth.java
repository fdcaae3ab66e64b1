package io.kvlog.cli;

import io.kvlog.http.auth.AuthFile;
import io.kvlog.http.auth.Permission;
import io.kvlog.protocol.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The local cluster's HTTP auth, on once {@code kv up --auth} made it: {@code DATA/auth/auth.json}
 * (roles {@code admin} and principals {@code admin} and {@code node}), and the two tokens in
 * {@code admin.token} and {@code node.token} beside it, readable by their owner only. The nodes
 * take the file and the node token; the {@code kv} commands of the local cluster send the admin
 * token unless given another.
 */
public final class LocalAuth {

    static final String ADMIN = "admin";
    static final String NODE = "node";

    private LocalAuth() {
    }

    static Path dir(Path dataDir) {
        return dataDir.resolve("auth");
    }

    static Path file(Path dataDir) {
        return dir(dataDir).resolve("auth.json");
    }

    public static boolean on(Path dataDir) {
        return Files.exists(file(dataDir));
    }

    /** The admin's token of the local cluster; null if its auth is off. */
    static String adminToken(Path dataDir) {
        return on(dataDir) ? read(dir(dataDir).resolve("admin.token")) : null;
    }

    static String nodeToken(Path dataDir) {
        return read(dir(dataDir).resolve("node.token"));
    }

    /** Turns auth on for the local cluster in {@code dataDir}, if it is not yet. */
    static void create(Path dataDir) {
        if (on(dataDir)) {
            return;
        }
        String admin = AuthFile.newToken();
        String node = AuthFile.newToken();
        PrivateFiles.write(dir(dataDir).resolve("admin.token"), admin + "\n");
        PrivateFiles.write(dir(dataDir).resolve("node.token"), node + "\n");
        starter(admin, node).write(file(dataDir));
    }

    /**
     * A first auth file: roles {@code admin} (read, write, admin on every key) and {@code node}
     * (admin only), a principal {@code admin} with {@code adminToken} and a principal {@code node}
     * with {@code nodeToken} (the nodes' calls to each other, never rate limited).
     */
    static AuthFile starter(String adminToken, String nodeToken) {
        return AuthFile.empty().withRole(ADMIN, AuthFile.EVERYTHING)
                // the nodes only call each other's admin routes: a leaked node token reads no key
                .withRole(NODE, Map.of(Permission.ADMIN, List.of("")))
                .withPrincipal(ADMIN, new AuthFile.Entry(List.of(ADMIN), List.of(AuthFile.hash(adminToken)), null))
                .withPrincipal(NODE, new AuthFile.Entry(List.of(NODE), List.of(AuthFile.hash(nodeToken)), 0));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
