package io.kvlog.http;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a node is secured: who may call it, how it calls the other nodes, and TLS.
 *
 * @param authFile          the auth file of principals, roles and token hashes; null: auth off,
 *                          anyone reaching the port may do everything
 * @param nodeToken         the bearer token this node sends to the other nodes (its principal needs
 *                          {@code admin}); required with an auth file, null without
 * @param requestsPerSecond each principal's rate limit unless the auth file sets its own (per client
 *                          address when auth is off); 0: none
 * @param tls               HTTPS, or null for plain HTTP
 */
public record NodeSecurity(Path authFile, String nodeToken, int requestsPerSecond, Tls tls) {

    /** Plain HTTP, no auth, no rate limit: the local cluster's default. */
    public static final NodeSecurity NONE = new NodeSecurity(null, null, 0, null);

    /**
     * HTTPS with a PEM certificate chain and its PEM (PKCS#8) private key.
     *
     * @param cert     this node's certificate chain; its names must include the host it advertises
     * @param key      its private key
     * @param clientCa if set, clients must present a certificate signed by this CA (mutual TLS);
     *                 the node presents its own certificate when it calls the other nodes
     * @param trustCa  the CA the node trusts when it calls the other nodes; null: the JDK's trust store
     */
    public record Tls(Path cert, Path key, Path clientCa, Path trustCa) {
        public Tls {
            readable(cert, "tls cert");
            readable(key, "tls key");
            if (clientCa != null) {
                readable(clientCa, "tls client CA");
            }
            if (trustCa != null) {
                readable(trustCa, "CA certificate");
            }
        }
    }

    public NodeSecurity {
        if (requestsPerSecond < 0) {
            throw new IllegalArgumentException("rate limit: must be >= 0 requests per second (0: none), got "
                    + requestsPerSecond);
        }
        if (authFile != null) {
            readable(authFile, "auth file");
            if (nodeToken == null || nodeToken.isBlank()) {
                throw new IllegalArgumentException("auth file " + authFile + " given but no node token (--node-token or"
                        + " KV_NODE_TOKEN): a node calls the others (wait=all) as a principal with admin");
            }
        }
    }

    /** {@code https} with TLS, else {@code http}. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /** {@code options} with this TLS, if any. */
    public HttpServerOptions server(HttpServerOptions options) {
        if (tls == null) {
            return options;
        }
        options.setSsl(true).setKeyCertOptions(keyCert());
        if (tls.clientCa() != null) {
            options.setClientAuth(ClientAuth.REQUIRED)
                    .setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCa().toString()));
        }
        return options;
    }

    /** {@code options} for calls to the other nodes: their CA trusted, this node's certificate shown if they ask. */
    public WebClientOptions peers(WebClientOptions options) {
        if (tls == null) {
            return options;
        }
        if (tls.trustCa() != null) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(tls.trustCa().toString()));
        }
        if (tls.clientCa() != null) {
            options.setKeyCertOptions(keyCert());
        }
        return options;
    }

    /** The {@code Authorization} header of this node's calls to the others; null with auth off. */
    public String peerAuthorization() {
        return nodeToken == null ? null : "Bearer " + nodeToken;
    }

    private PemKeyCertOptions keyCert() {
        return new PemKeyCertOptions().setCertPath(tls.cert().toString()).setKeyPath(tls.key().toString());
    }

    private static void readable(Path file, String what) {
        if (file == null || !Files.isReadable(file)) {
            throw new IllegalArgumentException(what + ": " + file + " is not a readable file");
        }
    }

    @Override
    public String toString() { // never the token
        return "NodeSecurity[authFile=" + authFile + ", nodeToken=" + (nodeToken == null ? "none" : "***")
                + ", requestsPerSecond=" + requestsPerSecond + ", tls=" + tls + "]";
    }
}
