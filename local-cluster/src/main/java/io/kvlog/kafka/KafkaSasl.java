package io.kvlog.kafka;

import io.kvlog.protocol.PrivateFiles;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The SASL/PLAIN users of a secured local cluster, and what follows from them: the brokers' SASL
 * and authorizer settings, the client settings of each user, and the ACLs of the node user.
 *
 * <p>Two users always exist: {@link #ADMIN}, the brokers' own user (inter-broker and controller
 * connections) and the only super user, which the {@code kv} command uses too; and {@link #NODE},
 * the user kvlog nodes connect as, which may do only what {@link #nodeAcls()} allows. Anyone else
 * is refused: every listener takes SASL only, and the authorizer allows nothing without an ACL.
 *
 * <p>SASL/PLAIN over PLAINTEXT sends passwords in the clear; that is acceptable on 127.0.0.1 only,
 * which is where the local cluster listens.
 *
 * <p>In a data directory the users live in {@code kafka-sasl/users.properties}, next to one client
 * properties file per user ({@code kafka-sasl/USER.properties}), every file owner-only (mode 600).
 */
public final class KafkaSasl {

    /** The brokers' user, the super user. */
    public static final String ADMIN = "kvadmin";
    /** The user kvlog nodes connect as. */
    public static final String NODE = "kvnode";
    /** Where, in a cluster's data directory, the users and client files are. */
    public static final String DIR = "kafka-sasl";

    private static final String MECHANISM = "PLAIN";
    private static final String LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    // JAAS quotes values in double quotes: names and passwords must hold no quote or backslash
    private static final Pattern USER = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    private static final Pattern PASSWORD = Pattern.compile("[A-Za-z0-9_.~+/=-]{8,128}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, String> passwords;

    private KafkaSasl(Map<String, String> passwords) {
        passwords.forEach(KafkaSasl::check);
        for (String required : List.of(ADMIN, NODE)) {
            if (!passwords.containsKey(required)) {
                throw new IllegalArgumentException("SASL users: " + required + " is missing, got " + passwords.keySet());
            }
        }
        this.passwords = Map.copyOf(new TreeMap<>(passwords));
    }

    /** {@link #ADMIN} and {@link #NODE}, each with a new random password (144 bits of {@link SecureRandom}). */
    public static KafkaSasl generate() {
        Map<String, String> users = new TreeMap<>();
        users.put(ADMIN, randomPassword());
        users.put(NODE, randomPassword());
        return new KafkaSasl(users);
    }

    /** A copy with one more user, who can authenticate and, without ACLs, do nothing. */
    public KafkaSasl withUser(String user, String password) {
        Map<String, String> users = new TreeMap<>(passwords);
        users.put(user, password);
        return new KafkaSasl(users);
    }

    public List<String> users() {
        return List.copyOf(new TreeMap<>(passwords).keySet());
    }

    /** The client settings of {@code user}: security.protocol, sasl.mechanism and sasl.jaas.config. */
    public Map<String, String> clientProperties(String user) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaas(user, Map.of()));
        return p;
    }

    /**
     * The broker settings for SASL/PLAIN on both listeners and the standard authorizer: on the
     * client listener every user can authenticate, on the controller listener only {@link #ADMIN}
     * (the brokers and controllers themselves).
     */
    Map<String, String> brokerProperties(String clientListener, String controllerListener) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("sasl.mechanism.controller.protocol", MECHANISM);
        // the username and password are what this broker logs in with; user_NAME, whom it accepts
        p.put(jaasProperty(clientListener), jaas(ADMIN, passwords));
        p.put(jaasProperty(controllerListener), jaas(ADMIN, Map.of(ADMIN, passwords.get(ADMIN))));
        p.put("authorizer.class.name", AUTHORIZER);
        p.put("super.users", "User:" + ADMIN);
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    /**
     * What a node needs, and no more: create, read and write {@code kv.events} and
     * {@code kv.nodes} (literal names) and read {@code kv.events}' configuration (a node checks it
     * at start). Reading and writing imply describing. Nodes read with assigned partitions and no
     * consumer group, and an idempotent producer needs no cluster right since Kafka 3.0 (KIP-679).
     */
    public static List<AclBinding> nodeAcls() {
        return List.of(
                allow(Topics.EVENTS, AclOperation.CREATE),
                allow(Topics.EVENTS, AclOperation.READ),
                allow(Topics.EVENTS, AclOperation.WRITE),
                allow(Topics.EVENTS, AclOperation.DESCRIBE_CONFIGS),
                allow(Topics.NODES, AclOperation.CREATE),
                allow(Topics.NODES, AclOperation.READ),
                allow(Topics.NODES, AclOperation.WRITE));
    }

    /** The client properties file of {@code user} in a cluster's data directory. */
    public static Path clientFile(Path dataDir, String user) {
        return dataDir.resolve(DIR).resolve(user + ".properties");
    }

    /** Writes the users and one client properties file per user into {@code dataDir}, all owner-only. */
    public void write(Path dataDir) {
        StringBuilder users = new StringBuilder("# SASL/PLAIN users of this local cluster, written by kv up --kafka-sasl\n");
        passwords.forEach((user, password) -> users.append(user).append('=').append(password).append('\n'));
        PrivateFiles.write(usersFile(dataDir), users.toString());
        for (String user : passwords.keySet()) {
            StringBuilder client = new StringBuilder("# Kafka client settings of user " + user
                    + " (for kvlog-node --kafka-config, or any Kafka client)\n");
            clientProperties(user).forEach((k, v) -> client.append(k).append('=').append(v).append('\n'));
            PrivateFiles.write(clientFile(dataDir, user), client.toString());
        }
    }

    /** The users {@link #write} wrote into {@code dataDir}. */
    public static KafkaSasl read(Path dataDir) {
        Path file = usersFile(dataDir);
        Properties users = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            users.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the SASL users of the cluster, " + file + ": " + e.getMessage(), e);
        }
        return new KafkaSasl(users.stringPropertyNames().stream()
                .collect(Collectors.toMap(u -> u, users::getProperty)));
    }

    /** The user names only: a password is never in a message or a log. */
    @Override
    public String toString() {
        return "KafkaSasl" + users();
    }

    private static Path usersFile(Path dataDir) {
        return dataDir.resolve(DIR).resolve("users.properties");
    }

    private String jaas(String user, Map<String, String> accepted) {
        StringBuilder jaas = new StringBuilder(LOGIN_MODULE).append(" required username=\"").append(user)
                .append("\" password=\"").append(passwords.get(user)).append('"');
        new TreeMap<>(accepted).forEach((u, p) -> jaas.append(" user_").append(u).append("=\"").append(p).append('"'));
        return jaas.append(';').toString();
    }

    private static String jaasProperty(String listener) {
        return "listener.name." + listener.toLowerCase(java.util.Locale.ROOT) + "."
                + MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config";
    }

    private static AclBinding allow(String topic, AclOperation operation) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:" + NODE, "*", operation, AclPermissionType.ALLOW));
    }

    private static void check(String user, String password) {
        if (user == null || !USER.matcher(user).matches()) {
            throw new IllegalArgumentException("SASL user: must match " + USER + ", got '" + user + "'");
        }
        // never quote a password in a message
        if (password == null || !PASSWORD.matcher(password).matches()) {
            throw new IllegalArgumentException("SASL password of " + user + ": must be 8-128 characters of "
                    + "letters, digits and _.~+/=-");
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
