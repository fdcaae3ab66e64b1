package io.kvlog.node.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTP/1.1 over a plain socket, byte for byte as the caller writes it: request targets and header
 * values no HTTP client library would send (invalid percent-encodings, control characters, raw
 * bytes that are not UTF-8), bodies of any bytes, and requests cut off half-way. One request per
 * connection ({@code Connection: close}); the reply is read within a deadline, and an event stream
 * only up to its first chunk.
 *
 * <p>{@code https} base URLs are served through the given TLS socket factory; every request carries
 * the headers of {@code extraHeaders} (an {@code Authorization} once the node asks for one).
 */
public final class RawHttp {

    /** One reply; {@code complete} is false for an event stream read only up to its first chunk. */
    public record Reply(int status, Map<String, String> headers, byte[] body, boolean complete) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String text = text();
            return status + " " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
        }
    }

    /** No reply within the deadline, or none at all. */
    public static final class NoReply extends IOException {
        public NoReply(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final URI base;
    private final Supplier<Map<String, String>> extraHeaders;
    private final SocketFactory sockets;
    private final Duration timeout;

    public RawHttp(URI base, Supplier<Map<String, String>> extraHeaders, SSLSocketFactory tls, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base");
        this.extraHeaders = Objects.requireNonNull(extraHeaders, "extraHeaders");
        this.sockets = "https".equals(base.getScheme())
                ? (tls == null ? SSLSocketFactory.getDefault() : tls) : SocketFactory.getDefault();
        this.timeout = timeout;
    }

    /** Plain HTTP to {@code base}, no extra headers. */
    public static RawHttp to(URI base, Duration timeout) {
        return new RawHttp(base, Map::of, null, timeout);
    }

    public URI base() {
        return base;
    }

    /** A new connection to the node, with the reply deadline as its read timeout. */
    public Socket connect() throws IOException {
        int port = base.getPort() > 0 ? base.getPort() : "https".equals(base.getScheme()) ? 443 : 80;
        Socket socket = sockets.createSocket(base.getHost(), port);
        socket.setSoTimeout((int) timeout.toMillis());
        return socket;
    }

    /**
     * Sends {@code method target} with {@code headers} (in order, repeats allowed; values as UTF-8
     * bytes, whatever they hold) and {@code body} (null: none, no Content-Length), and reads the reply.
     *
     * @param target the request target as its bytes go on the wire (ISO-8859-1: one char a byte)
     */
    public Reply send(String method, String target, List<Map.Entry<String, String>> headers, byte[] body)
            throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes((method + " ").getBytes(StandardCharsets.UTF_8));
        request.writeBytes(target.getBytes(StandardCharsets.ISO_8859_1));
        request.writeBytes(" HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        List<Map.Entry<String, String>> all = new ArrayList<>();
        all.add(Map.entry("Host", base.getHost() + ":" + base.getPort()));
        all.add(Map.entry("Connection", "close"));
        all.addAll(extraHeaders.get().entrySet());
        all.addAll(headers);
        if (body != null) {
            all.add(Map.entry("Content-Length", Integer.toString(body.length)));
        }
        for (Map.Entry<String, String> header : all) {
            request.writeBytes((header.getKey() + ": ").getBytes(StandardCharsets.UTF_8));
            request.writeBytes(header.getValue().getBytes(StandardCharsets.UTF_8));
            request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        request.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            request.writeBytes(body);
        }
        return exchange(request.toByteArray());
    }

    /** Writes {@code request} as it is on a new connection and reads the reply. */
    public Reply exchange(byte[] request) throws IOException {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** Reads one reply from {@code in}: status line, headers, and the body its headers announce. */
    public static Reply read(InputStream in) throws IOException {
        try {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new NoReply("the connection closed before a reply", null);
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            if (status >= 100 && status < 200 && status != 101) {
                // an interim reply (100 Continue): its headers end it, the reply follows
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    // skipped
                }
                return read(in);
            }
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.merge(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        header.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
            boolean stream = String.valueOf(headers.get("content-type")).startsWith("text/event-stream");
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                while (true) {
                    String size = line(in);
                    if (size == null) {
                        throw new IOException("the connection closed inside a chunked body");
                    }
                    int length = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
                    if (length == 0) {
                        line(in);
                        break;
                    }
                    body.writeBytes(in.readNBytes(length));
                    line(in);
                    if (stream) {
                        return new Reply(status, headers, body.toByteArray(), false);
                    }
                }
            } else if (headers.containsKey("content-length")) {
                body.writeBytes(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            } else if (!stream) {
                body.writeBytes(in.readAllBytes());
            }
            return new Reply(status, headers, body.toByteArray(), !stream);
        } catch (SocketTimeoutException e) {
            throw new NoReply("no whole reply in time", e);
        }
    }

    /** A line ending in CRLF (or LF), without it; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }
}
