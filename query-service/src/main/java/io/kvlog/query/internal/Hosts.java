package io.kvlog.query.internal;

import org.apache.kafka.streams.state.HostInfo;

/** Nodes as Streams names them ({@code application.server} = their HTTP {@code host:port}). */
public final class Hosts {

    private Hosts() {
    }

    /** Parses {@code host:port}. */
    public static HostInfo parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("host:port expected, got '" + hostPort + "'");
        }
        return new HostInfo(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    /** Whether Streams knows a host there (not {@link HostInfo#unavailable()}). */
    public static boolean known(HostInfo host) {
        return host != null && host.port() > 0;
    }

    public static String url(HostInfo host) {
        return "http://" + host.host() + ":" + host.port();
    }

    public static String text(HostInfo host) {
        return host.host() + ":" + host.port();
    }
}
