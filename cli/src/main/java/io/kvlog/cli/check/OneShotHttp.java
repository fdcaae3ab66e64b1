package io.kvlog.cli.check;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * One HTTP/1.1 request on a connection of its own ({@code Connection: close}), read until the
 * server closes. One request per connection makes every connection-level fault (a proxy dropping
 * the connection or the reply, a node killed) hit exactly one request, and tells apart what a
 * client needs to know about a failed request: was anything sent ({@link NotSentException}) or
 * may the server have acted on it (any other {@link IOException})?
 */
public final class OneShotHttp {

    private OneShotHttp() {
    }

    /** A complete reply. */
    public record Reply(int status, String body) {
    }

    /** The connection could not be made: not one byte of the request left this process. */
    static final class NotSentException extends IOException {
        NotSentException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Sends {@code method pathAndQuery} to {@code host:port} with {@code body} (text, or null) and
     * reads the whole reply, within {@code timeout} per blocking step.
     */
    public static Reply send(String host, int port, String method, String pathAndQuery, String body, Duration timeout)
            throws IOException {
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(host, port), (int) Math.min(timeout.toMillis(), 2000));
            } catch (IOException e) {
                throw new NotSentException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
            }
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder()
                    .append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n")
                    .append("Connection: close\r\n");
            if (body != null) {
                head.append("Content-Type: text/plain; charset=utf-8\r\n");
            }
            if (body != null || !method.equals("GET")) {
                head.append("Content-Length: ").append(content.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            return parse(readAll(socket.getInputStream()), host, port);
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

    private static Reply parse(byte[] bytes, String host, int port) throws IOException {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            throw new IOException("reply from " + host + ":" + port + " cut short before its body ("
                    + bytes.length + " bytes)");
        }
        String[] lines = text.substring(0, headEnd).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP reply from " + host + ":" + port + ": " + lines[0]);
        }
        int status = Integer.parseInt(statusLine[1]);
        long contentLength = -1;
        boolean chunked = false;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].toLowerCase(Locale.ROOT);
            if (line.startsWith("content-length:")) {
                contentLength = Long.parseLong(line.substring(15).trim());
            } else if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
                chunked = true;
            }
        }
        int bodyStart = headEnd + 4;
        byte[] body;
        if (chunked) {
            body = dechunk(bytes, bodyStart, host, port);
        } else if (contentLength >= 0) {
            if (bytes.length - bodyStart < contentLength) {
                throw new IOException("reply from " + host + ":" + port + " cut short: " + (bytes.length - bodyStart)
                        + " of " + contentLength + " body bytes");
            }
            body = java.util.Arrays.copyOfRange(bytes, bodyStart, bodyStart + (int) contentLength);
        } else {
            body = java.util.Arrays.copyOfRange(bytes, bodyStart, bytes.length);
        }
        return new Reply(status, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] bytes, int start, String host, int port) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int at = start;
        while (true) {
            int lineEnd = indexOf(bytes, at);
            if (lineEnd < 0) {
                throw new IOException("chunked reply from " + host + ":" + port + " cut short");
            }
            String sizeText = new String(bytes, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim();
            int size = Integer.parseInt(sizeText, 16);
            at = lineEnd + 2;
            if (size == 0) {
                return body.toByteArray();
            }
            if (at + size > bytes.length) {
                throw new IOException("chunked reply from " + host + ":" + port + " cut short in a chunk");
            }
            body.write(bytes, at, size);
            at += size + 2;
        }
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
