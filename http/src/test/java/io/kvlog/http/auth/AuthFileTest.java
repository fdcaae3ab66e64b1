package io.kvlog.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthFileTest {

    private static final String ALICE = "alice-token";
    private static final String OPS = "ops-token";

    private static String sample() {
        return """
                {"roles": {"orders-rw": {"read": ["orders/"], "write": ["orders/"]},
                           "everything": {"read": [""], "write": [""], "admin": [""]},
                           "audit": {"read": ["orders/", "orders/eu/", "users/"]}},
                 "principals": {"alice": {"roles": ["orders-rw", "audit"], "tokens": ["%s"], "requestsPerSecond": 5},
                                "ops": {"roles": ["everything"], "tokens": ["%s"]}}}
                """.formatted(AuthFile.hash(ALICE), AuthFile.hash(OPS));
    }

    @Test
    void aTokenNamesItsPrincipalWithTheUnionOfItsRolesGrants() {
        AuthFile file = AuthFile.parse(sample());

        Principal alice = file.authenticate(ALICE).orElseThrow();

        assertEquals("alice", alice.name());
        assertEquals(5, alice.requestsPerSecond());
        assertEquals(List.of("orders/", "users/"), alice.prefixes(Permission.READ), "orders/eu/ is under orders/");
        assertTrue(alice.may(Permission.WRITE, "orders/42"));
        assertFalse(alice.may(Permission.WRITE, "users/7"));
        assertTrue(alice.may(Permission.READ, "users/7"));
        assertFalse(alice.may(Permission.READ, "order"), "a key shorter than the prefix is not under it");
        assertFalse(alice.mayAll(Permission.READ));
        assertTrue(alice.prefixes(Permission.ADMIN).isEmpty());
        Principal ops = file.authenticate(OPS).orElseThrow();
        assertTrue(ops.mayAll(Permission.ADMIN));
        assertEquals(null, ops.requestsPerSecond());
    }

    @Test
    void anUnknownOrAlmostRightTokenNamesNoOne() {
        AuthFile file = AuthFile.parse(sample());

        assertTrue(file.authenticate("alice-token ").isEmpty());
        assertTrue(file.authenticate(AuthFile.hash(ALICE)).isEmpty(), "the stored hash is not a token");
        assertTrue(file.authenticate("").isEmpty());
    }

    @Test
    void everyMistakeIsNamed() {
        String hash = AuthFile.hash("t");
        assertMessage("principals.bob.roles: no role 'ghost'", """
                {"roles": {}, "principals": {"bob": {"roles": ["ghost"], "tokens": ["%s"]}}}""".formatted(hash));
        assertMessage("roles.r.admin: must be [\"\"]", """
                {"roles": {"r": {"admin": ["orders/"]}}}""");
        assertMessage("roles.r: permission: must be read, write or admin, got \"delete\"", """
                {"roles": {"r": {"delete": [""]}}}""");
        assertMessage("principals.bob.tokens: must be sha256:<64 lower-case hex digits>", """
                {"roles": {"r": {"read": [""]}}, "principals": {"bob": {"roles": ["r"], "tokens": ["plain-token"]}}}""");
        assertMessage("principals.bob.token: unknown field", """
                {"roles": {"r": {"read": [""]}}, "principals": {"bob": {"roles": ["r"], "token": "x"}}}""");
        assertMessage("principals.bob.requestsPerSecond: must be a whole number >= 0", """
                {"roles": {"r": {"read": [""]}}, "principals": {"bob": {"roles": ["r"], "tokens": [],
                 "requestsPerSecond": -1}}}""");
        assertMessage("a token of 'amy' too", """
                {"roles": {"r": {"read": [""]}}, "principals": {"amy": {"roles": ["r"], "tokens": ["%s"]},
                 "bob": {"roles": ["r"], "tokens": ["%s"]}}}""".formatted(hash, hash));
        assertMessage("principals.bob.tokens: must be sha256:<64 lower-case hex digits>", """
                {"roles": {"r": {"read": [""]}}, "principals": {"bob": {"roles": ["r"], "tokens": ["%s"]}}}"""
                .formatted(hash.toUpperCase(java.util.Locale.ROOT).replace("SHA256", "sha256")));
        assertMessage("not a JSON object", "[1, 2]");
    }

    private static void assertMessage(String expected, String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuthFile.parse(json));
        assertTrue(e.getMessage().contains(expected), () -> "expected \"" + expected + "\" in: " + e.getMessage());
    }

    @Test
    void writtenThenReadItIsTheSameAndOnlyItsOwnerMayReadIt(@TempDir Path dir) throws Exception {
        AuthFile file = AuthFile.parse(sample()).withRole("reader", Map.of(Permission.READ, List.of("a/")))
                .withPrincipal("bob", new AuthFile.Entry(List.of("reader"), List.of(AuthFile.hash("bob-token")), 0));
        Path path = dir.resolve("auth.json");

        file.write(path);
        AuthFile again = AuthFile.read(path);

        assertEquals(file.toJson(), again.toJson());
        assertEquals(List.of("a/"), again.authenticate("bob-token").orElseThrow().prefixes(Permission.READ));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
        assertFalse(Files.readString(path).contains("bob-token"), "the file keeps hashes, never tokens");
        assertTrue(again.without("bob").authenticate("bob-token").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> again.without("orders-rw"), "alice still holds it");
    }

    @Test
    void newTokensAreLongRandomAndDistinct() {
        String a = AuthFile.newToken();
        String b = AuthFile.newToken();

        assertNotEquals(a, b);
        assertTrue(a.startsWith("kvt_") && a.length() == 4 + 43, a);
        assertEquals(AuthFile.HASH_PREFIX.length() + 64, AuthFile.hash(a).length());
    }
}
