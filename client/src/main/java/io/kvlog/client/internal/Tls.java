package io.kvlog.client.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The client's TLS from PEM files: the CA it trusts, and the certificate it shows for mutual TLS. */
public final class Tls {

    private Tls() {
    }

    /**
     * A TLS context trusting the certificates in {@code caCert} (null: the JDK's trust store) and
     * showing {@code cert} with its PKCS#8 {@code key} when a node asks (both null: none).
     */
    public static SSLContext context(Path caCert, Path cert, Path key) {
        try {
            TrustManagerFactory trust = null;
            if (caCert != null) {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                int i = 0;
                for (Certificate c : certificates(caCert)) {
                    store.setCertificateEntry("ca-" + i++, c);
                }
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(store);
            }
            KeyManagerFactory keys = null;
            if (cert != null) {
                List<Certificate> chain = List.copyOf(certificates(cert));
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                char[] none = new char[0];
                store.setKeyEntry("client", privateKey(key, chain.get(0).getPublicKey().getAlgorithm()), none,
                        chain.toArray(Certificate[]::new));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(store, none);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
                    null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("tls: " + e.getMessage(), e);
        }
    }

    /** The X.509 certificates of a PEM file, at least one. */
    public static Collection<? extends Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> found = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (found.isEmpty()) {
                throw new IllegalArgumentException("tls: " + pem + " holds no PEM certificate");
            }
            return found;
        }
    }

    /** The PKCS#8 private key of a PEM file ({@code -----BEGIN PRIVATE KEY-----}), of {@code algorithm} (RSA, EC). */
    public static PrivateKey privateKey(Path pem, String algorithm) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("tls: " + pem + " holds no PKCS#8 key (-----BEGIN PRIVATE KEY-----);"
                    + " convert one with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        String base64 = text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
