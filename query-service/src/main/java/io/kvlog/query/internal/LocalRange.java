package io.kvlog.query.internal;

import io.kvlog.materializer.Read;
import io.kvlog.protocol.Entry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/** Reads one {@link RangeRequest} from this node's copy (blocking: call it off the event loop). */
public final class LocalRange {

    private LocalRange() {
    }

    public static Read<RangePage> read(LocalCopies copies, RangeRequest request) {
        KeyRange range = request.range();
        // the store's bounds are inclusive: ask one more for each end that may have to be dropped
        int ask = request.max() + (range.fromExclusive() && range.from() != null ? 1 : 0)
                + (range.toExclusive() != null ? 1 : 0);
        Read<List<KeyValue<String, Entry>>> read = copies.range(request.partition(), range.from(),
                range.toExclusive(), ask, request.atLeast(), request.requireActive());
        if (read instanceof Read.Miss<List<KeyValue<String, Entry>>> miss) {
            return new Read.Miss<>(miss.partition(), miss.reason(), miss.message());
        }
        Read.Hit<List<KeyValue<String, Entry>>> hit = (Read.Hit<List<KeyValue<String, Entry>>>) read;
        List<KeyValue<String, Entry>> raw = hit.value();
        List<KeyValue<String, Entry>> items = new ArrayList<>(Math.min(raw.size(), request.max()));
        boolean exhausted = raw.size() < ask;
        for (KeyValue<String, Entry> item : raw) {
            if (range.beyond(item.key)) {
                exhausted = true;
                break;
            }
            if (!range.contains(item.key)) {
                continue; // the exclusive start
            }
            if (items.size() == request.max()) {
                exhausted = false;
                break;
            }
            items.add(item);
        }
        return new Read.Hit<>(hit.partition(), new RangePage(items, exhausted, hit.position()), hit.position());
    }
}
