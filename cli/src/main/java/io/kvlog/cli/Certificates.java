package io.kvlog.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import io.kvlog.client.internal.Tls;
import io.kvlog.protocol.PrivateFiles;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for kvlog's TLS ({@code kv tls init}, and the tests): a CA, and
 * certificates it signs for nodes and clients, as PEM files (X.509 certificate, PKCS#8 key: what
 * {@code --tls-cert}/{@code --tls-key}, {@code --cacert} and {@code --client-cert}/{@code --client-key} take).
 * Keys are EC P-256; private key files are readable by their owner only.
 */
public final class Certificates {

    /** A certificate and its key, as PEM files. */
    public record Issued(Path cert, Path key) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {
    }

    /** A new self-signed CA, {@code DIR/NAME.pem} and {@code DIR/NAME.key}, valid for {@code validity}. */
    public static Issued authority(Path dir, String name, Duration validity) {
        KeyPair keys = newKeys();
        X500Name subject = new X500Name("CN=" + name);
        try {
            JcaX509v3CertificateBuilder builder = builder(subject, subject, keys, validity);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            return write(dir, name, sign(builder, keys.getPrivate()), keys.getPrivate());
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the CA " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * A certificate signed by {@code ca} for {@code NAME}, usable by servers and clients (nodes are
     * both: they call each other), with {@code hosts} (IP addresses or DNS names) as its subject
     * alternative names.
     */
    public static Issued issue(Path dir, String name, Issued ca, List<String> hosts, Duration validity) {
        KeyPair keys = newKeys();
        try {
            X509Certificate caCert = (X509Certificate) Tls.certificates(ca.cert()).iterator().next();
            PrivateKey caKey = Tls.privateKey(ca.key(), "EC");
            JcaX509v3CertificateBuilder builder = builder(X500Name.getInstance(caCert.getSubjectX500Principal()
                    .getEncoded()), new X500Name("CN=" + name), keys, validity);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
            if (!hosts.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String host : hosts) {
                    names.add(isAddress(host) ? new GeneralName(GeneralName.iPAddress, host)
                            : new GeneralName(GeneralName.dNSName, host));
                }
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return write(dir, name, sign(builder, caKey), keys.getPrivate());
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the certificate " + name + ": " + e.getMessage(), e);
        }
    }

    private static boolean isAddress(String host) {
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(host); // a literal: no lookup
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
                                                      Duration validity) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, keys.getPublic());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    }

    private static KeyPair newKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make EC P-256 keys", e);
        }
    }

    private static Issued write(Path dir, String name, X509Certificate cert, PrivateKey key) throws IOException {
        Files.createDirectories(dir);
        Issued issued = new Issued(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
        Files.writeString(issued.cert(), pem(cert), StandardCharsets.US_ASCII);
        // PKCS#8 ("BEGIN PRIVATE KEY"), what Vert.x and the JDK read; owner-only before a byte is written
        PrivateFiles.write(issued.key(), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return issued;
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }
}
