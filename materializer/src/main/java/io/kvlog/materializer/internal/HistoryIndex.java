package io.kvlog.materializer.internal;

import io.kvlog.materializer.Revision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a key's history rows (see {@link StoreLayout}): the versions the applier recorded for
 * it, one row per change, so a key's past is found without reading its partition of the log.
 */
public final class HistoryIndex {

    private HistoryIndex() {
    }

    /**
     * Up to {@code limit} versions of {@code key} below {@code before} (exclusive; 0 or less: no
     * bound), newest first, from one iterator.
     */
    public static List<Revision> page(ByteStore store, String key, long before, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: must be >= 1, got " + limit);
        }
        byte[] to = before > 0 ? StoreLayout.history(key, before - 1) : StoreLayout.historyEnd(key);
        List<Revision> page = new ArrayList<>(Math.min(limit, 1024));
        if (before == 1) {
            return page; // nothing is below version 1
        }
        try (ByteStore.Range rows = store.reverseRange(StoreLayout.historyStart(key), to)) {
            while (page.size() < limit && rows.hasNext()) {
                Map.Entry<byte[], byte[]> next = rows.next();
                page.add(StoreLayout.decodeRevision(next.getKey(), next.getValue()));
            }
        }
        return page;
    }

    /** Version {@code version} of {@code key}, null if no change of the key made it. */
    public static Revision revision(ByteStore store, String key, long version) {
        byte[] row = StoreLayout.history(key, version);
        byte[] stored = store.get(row);
        return stored == null ? null : StoreLayout.decodeRevision(row, stored);
    }
}
