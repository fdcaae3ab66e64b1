package io.kvlog.query.internal;

import io.kvlog.materializer.Read;
import io.kvlog.protocol.Entry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * Reads one {@link RangeRequest} from this node's copy (blocking: call it off the event loop).
 *
 * <p>The copy is read in chunks, the first of {@value #FIRST_CHUNK} entries, the next sized by
 * the entries seen so far, and the page ends once its keys and values pass {@value #PAGE_CHARS}
 * characters: with values of up to 1 MiB, a page of {@code max} entries could otherwise hold
 * hundreds of MiB. A page holds at most that plus one entry; memory, that plus one chunk.
 */
public final class LocalRange {

    static final int FIRST_CHUNK = 16;
    static final int MAX_CHUNK = 256;
    static final long PAGE_CHARS = 1024 * 1024;

    private LocalRange() {
    }

    public static Read<RangePage> read(LocalCopies copies, RangeRequest request) {
        List<KeyValue<String, Entry>> items = new ArrayList<>();
        KeyRange rest = request.range();
        long chars = 0;
        long position = -1;
        boolean exhausted = false;
        int chunk = FIRST_CHUNK;
        while (items.size() < request.max() && chars < PAGE_CHARS) {
            int want = Math.min(chunk, request.max() - items.size());
            // the store's bounds are inclusive: ask one more for each end that may have to be dropped
            int ask = want + (rest.fromExclusive() && rest.from() != null ? 1 : 0) + (rest.toExclusive() != null ? 1 : 0);
            Read<List<KeyValue<String, Entry>>> read = copies.range(request.partition(), rest.from(),
                    rest.toExclusive(), ask, request.atLeast(), request.requireActive());
            if (read instanceof Read.Miss<List<KeyValue<String, Entry>>> miss) {
                if (items.isEmpty()) {
                    return new Read.Miss<>(miss.partition(), miss.reason(), miss.message());
                }
                break; // the copy went away mid-page: what was read stands, the next page will tell
            }
            Read.Hit<List<KeyValue<String, Entry>>> hit = (Read.Hit<List<KeyValue<String, Entry>>>) read;
            if (position < 0) {
                position = hit.position();
            }
            List<KeyValue<String, Entry>> raw = hit.value();
            exhausted = raw.size() < ask;
            int taken = 0;
            for (KeyValue<String, Entry> item : raw) {
                if (rest.beyond(item.key)) {
                    exhausted = true;
                    break;
                }
                if (!rest.contains(item.key)) {
                    continue; // the exclusive start
                }
                if (taken == want || chars >= PAGE_CHARS) {
                    exhausted = false; // entries remain in this chunk
                    break;
                }
                items.add(item);
                taken++;
                chars += item.key.length() + (item.value.present() ? item.value.value().length() : 0);
            }
            if (exhausted || taken == 0) {
                exhausted = true;
                break;
            }
            rest = rest.after(items.get(items.size() - 1).key);
            long perItem = Math.max(1, chars / items.size());
            chunk = (int) Math.max(1, Math.min(MAX_CHUNK, (PAGE_CHARS - chars) / perItem + 1));
        }
        return new Read.Hit<>(request.partition(), new RangePage(items, exhausted, position), position);
    }
}
