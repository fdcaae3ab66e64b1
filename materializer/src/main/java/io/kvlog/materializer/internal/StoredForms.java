package io.kvlog.materializer.internal;

import io.kvlog.materializer.EntryTable;
import io.kvlog.materializer.OutcomeTable;
import io.kvlog.materializer.Progress;
import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import java.nio.ByteBuffer;

/**
 * How entries, outcomes and progress are laid out in the two stores, the one place that knows.
 *
 * <p>Each store keeps its {@link Progress} under {@link #PROGRESS_KEY}, a key no user key or id
 * can be (user keys have no control characters, ids are {@code [A-Za-z0-9._:-]}), written with
 * every event. So each store's IQv2 position advances with every event, and any consistent
 * iteration of a store also tells the offset its contents are at. It sorts first.
 */
public final class StoredForms {

    /** Where each store keeps its progress. */
    public static final String PROGRESS_KEY = "\u0000progress";

    private StoredForms() {
    }

    public static boolean isProgress(String key) {
        return PROGRESS_KEY.equals(key);
    }

    public static byte[] encodeProgress(Progress progress) {
        return ByteBuffer.allocate(16).putLong(progress.offset()).putLong(progress.logTime()).array();
    }

    public static Progress decodeProgress(byte[] bytes) {
        if (bytes == null || bytes.length != 16) {
            throw new IllegalArgumentException("progress: must be 16 bytes, got "
                    + (bytes == null ? "null" : bytes.length + " bytes"));
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new Progress(buffer.getLong(), buffer.getLong());
    }

    /** The entries store seen through its stored form. */
    public static EntryTable entries(ByteTable table) {
        return new EntryTable() {
            @Override
            public Entry get(String key) {
                byte[] bytes = table.get(key);
                return bytes == null ? null : EntryCodec.decode(bytes);
            }

            @Override
            public void put(String key, Entry entry) {
                table.put(key, EntryCodec.encode(entry));
            }

            @Override
            public Progress progress() {
                byte[] bytes = table.get(PROGRESS_KEY);
                return bytes == null ? null : decodeProgress(bytes);
            }

            @Override
            public void progress(Progress progress) {
                table.put(PROGRESS_KEY, encodeProgress(progress));
            }
        };
    }

    /** The outcomes store seen through its stored form. */
    public static OutcomeTable outcomes(ByteTable table) {
        return new OutcomeTable() {
            @Override
            public Outcome get(String id) {
                byte[] bytes = table.get(id);
                return bytes == null ? null : OutcomeCodec.decode(bytes);
            }

            @Override
            public void put(String id, Outcome outcome) {
                table.put(id, OutcomeCodec.encode(outcome));
            }

            @Override
            public void progress(Progress progress) {
                table.put(PROGRESS_KEY, encodeProgress(progress));
            }
        };
    }
}
