package io.kvlog.writer.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HTTP/1.1 over one fresh TCP connection per request ({@code Connection: close}), so a
 * connection-level fault (see {@link io.kvlog.http.faults.FaultyProxy}) hits exactly one request. A reply cut short
 * (no complete status line, or fewer body bytes than {@code Content-Length}) is an
 * {@link IOException}: to the client the outcome is unknown.
 */
public final class OneShotHttp {

    private OneShotHttp() {
    }

    /** A complete reply. */
    public record Reply(int status, String body) {

        public JsonObject json() {
            return KvClient.json(body);
        }
    }

    /** Sends one request to {@code host:port} and reads the whole reply, within {@code timeout}. */
    public static Reply send(String host, int port, String method, String pathAndQuery, String contentType,
                             String body, Duration timeout) throws IOException {
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append(':').append(port).append("\r\n")
                .append("Connection: close\r\n")
                .append("Content-Length: ").append(payload.length).append("\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            return parse(readAll(socket.getInputStream()));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            all.write(buffer, 0, n);
        }
        return all.toByteArray();
    }

    static Reply parse(byte[] raw) throws IOException {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || headEnd < 0) {
            throw new IOException("connection closed before a complete reply (" + raw.length + " bytes read)");
        }
        int status = Integer.parseInt(text.substring(9, 12));
        long contentLength = -1;
        for (String line : text.substring(0, headEnd).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                contentLength = Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        int bodyStart = headEnd + 4;
        int bodyBytes = raw.length - bodyStart;
        if (contentLength >= 0 && bodyBytes < contentLength) {
            throw new IOException("connection closed after " + bodyBytes + " of " + contentLength + " body bytes");
        }
        return new Reply(status, new String(raw, bodyStart, bodyBytes, StandardCharsets.UTF_8));
    }
}
