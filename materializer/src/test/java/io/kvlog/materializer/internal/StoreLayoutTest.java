package io.kvlog.materializer.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.materializer.Change;
import io.kvlog.materializer.Progress;
import io.kvlog.materializer.Revision;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.Test;

class StoreLayoutTest {

    @Test
    void anEmptyStoreIsMarkedAndThenAccepted() {
        MemoryByteStore store = new MemoryByteStore();
        StoreLayout.checkOrMark(store);
        assertArrayEquals(new byte[] {StoreLayout.LAYOUT_VERSION}, store.get(StoreLayout.layout()));
        StoreLayout.checkOrMark(store); // a restart
        assertEquals(1, store.size());
    }

    @Test
    void aStoreWithDataButNoLayoutOrAnotherOneIsRefusedSayingRebuild() {
        // an older kvlog's copy: a position and no layout
        MemoryByteStore old = new MemoryByteStore();
        old.write(List.of(KeyValue.pair(StoreLayout.position(0), StoreLayout.encodeProgress(new Progress(5, 9)))));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StoreLayout.checkOrMark(old));
        assertTrue(e.getMessage().contains("layout 2") && e.getMessage().contains("kv node rebuild"), e.getMessage());

        // a newer one
        MemoryByteStore newer = new MemoryByteStore();
        newer.write(List.of(KeyValue.pair(StoreLayout.layout(), new byte[] {(byte) (StoreLayout.LAYOUT_VERSION + 1)})));
        assertThrows(IllegalStateException.class, () -> StoreLayout.checkOrMark(newer));
    }

    @Test
    void historyRowsOfAKeySortTogetherAndReadBack() {
        byte[] row = StoreLayout.history("a", 7);
        assertEquals("a", StoreLayout.historyUserKey(row));
        assertEquals(new Revision(7, Change.Type.APPEND, 42),
                StoreLayout.decodeRevision(row, StoreLayout.encodeRevision(Change.Type.APPEND, 42)));
        // every row of "a" lies between its bounds, and no row of "a!" (a key that extends it) does
        assertTrue(compare(StoreLayout.historyStart("a"), row) < 0 && compare(row, StoreLayout.historyEnd("a")) < 0);
        byte[] other = StoreLayout.history("a!", 0);
        assertTrue(compare(other, StoreLayout.historyEnd("a")) > 0);
        assertThrows(IllegalArgumentException.class, () -> StoreLayout.decodeRevision(row, new byte[] {'X', 0, 0, 0,
                0, 0, 0, 0, 0}));
    }

    private static int compare(byte[] a, byte[] b) {
        return java.util.Arrays.compareUnsigned(a, b);
    }
}
