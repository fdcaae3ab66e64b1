package io.kvlog.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSaslTest {

    @TempDir
    Path data;

    @Test
    void generatedUsersAreWrittenOwnerOnlyAndReadBack() throws Exception {
        // Given new users
        KafkaSasl users = KafkaSasl.generate();

        // When they are written into a data directory and read back
        users.write(data);
        KafkaSasl read = KafkaSasl.read(data);

        // Then the same users are there, with the same client settings
        assertEquals(List.of("kvadmin", "kvnode"), read.users());
        assertEquals(users.clientProperties(KafkaSasl.NODE), read.clientProperties(KafkaSasl.NODE));
        // And the node's client file is the properties a Kafka client takes
        Properties node = new Properties();
        try (Reader in = Files.newBufferedReader(KafkaSasl.clientFile(data, KafkaSasl.NODE))) {
            node.load(in);
        }
        assertEquals("SASL_PLAINTEXT", node.getProperty("security.protocol"));
        assertEquals("PLAIN", node.getProperty("sasl.mechanism"));
        assertEquals(users.clientProperties(KafkaSasl.NODE).get("sasl.jaas.config"), node.getProperty("sasl.jaas.config"));
        // And no file is readable by anyone but its owner
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            try (Stream<Path> files = Files.list(data.resolve(KafkaSasl.DIR))) {
                for (Path file : files.toList()) {
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
                }
            }
        }
    }

    @Test
    void passwordsAreRandom() {
        KafkaSasl one = KafkaSasl.generate();
        KafkaSasl two = KafkaSasl.generate();

        assertNotEquals(one.clientProperties(KafkaSasl.NODE), two.clientProperties(KafkaSasl.NODE));
    }

    @Test
    void aUserOrPasswordThatWouldBreakTheJaasTextIsRefusedWithoutQuotingThePassword() {
        KafkaSasl users = KafkaSasl.generate();

        IllegalArgumentException badUser = assertThrows(IllegalArgumentException.class,
                () -> users.withUser("Bad\"User", "long-enough-secret"));
        IllegalArgumentException badPassword = assertThrows(IllegalArgumentException.class,
                () -> users.withUser("someone", "quote\"inside"));

        assertTrue(badUser.getMessage().contains("'Bad\"User'"), badUser.getMessage());
        assertFalse(badPassword.getMessage().contains("quote\"inside"), badPassword.getMessage());
    }

    @Test
    void theNodeUserGetsRightsOnKvlogsTwoTopicsOnly() {
        assertTrue(KafkaSasl.nodeAcls().stream().allMatch(acl -> acl.entry().principal().equals("User:kvnode")
                && List.of("kv.events", "kv.nodes").contains(acl.pattern().name())));
    }
}
