package io.kvlog.cli.bench;

import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.util.List;

/**
 * A system whose watch the bench measures: how a write is spelled and which version its ack
 * names, how a watch of a prefix is opened, and how its stream (one line at a time) is read.
 * A change is matched to its write by key and version, so each system must name the same
 * version in the ack and in the change (kvlog: the key's version; etcd: the revision).
 */
interface WatchApi {

    /** The system's name in reports. */
    String system();

    /** Base URLs of its servers; writes go round them, watchers to the first. */
    List<URI> endpoints();

    BenchTarget.Request write(String key, String value);

    /** The version a successful write's reply names, or -1 if the reply is not a success. */
    long ackedVersion(int status, Buffer body);

    /** The request that opens a watch of every key under {@code prefix}, from now on. */
    BenchTarget.Request watch(String prefix);

    /** A new reader of one watch stream's lines (stateful: one per stream). */
    StreamReader reader(Sink sink);

    /** Reads one stream, a line at a time (without its line end). */
    interface StreamReader {
        void line(Buffer line);
    }

    /** What a stream says, as it says it (on the client's event loop). */
    interface Sink {
        /** The watch is established: a change written from now on will be sent. */
        void ready();

        void change(String key, long version);

        /** kvlog's progress event; {@code caughtUp} once a catch-up from the past is over. */
        void progress(boolean caughtUp);

        /** The server ended the watch with an error. */
        void error(String message);
    }
}
