package io.kvlog.materializer;

import java.time.Duration;
import java.util.List;

/** An {@link EventSource} over records in memory, yielding them a few at a time like a consumer. */
final class ListEventSource implements EventSource {

    private final List<LogRecord> records;
    private final int batch;
    private int next;

    ListEventSource(List<LogRecord> records, int batch) {
        this.records = List.copyOf(records);
        this.batch = batch;
    }

    @Override
    public List<LogRecord> poll(Duration timeout) {
        List<LogRecord> out = records.subList(next, Math.min(records.size(), next + batch));
        next += out.size();
        return out;
    }

    @Override
    public long position() {
        return next == 0 ? 0 : records.get(next - 1).offset() + 1;
    }

    @Override
    public void close() {
    }
}
