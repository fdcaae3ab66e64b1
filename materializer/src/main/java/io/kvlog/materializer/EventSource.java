package io.kvlog.materializer;

import java.time.Duration;
import java.util.List;

/** Records of one {@link io.kvlog.protocol.Topics#EVENTS} partition in offset order, for a {@link Replayer}. */
public interface EventSource extends AutoCloseable {

    /** The next records, in offset order; empty if none arrived within {@code timeout}. */
    List<LogRecord> poll(Duration timeout);

    /** The offset of the next record {@link #poll} would return (past control records, if any). */
    long position();

    @Override
    void close();
}
