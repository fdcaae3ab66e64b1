package io.kvlog.query.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.materializer.Read;
import java.util.List;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalRangeTest {

    private FakeCopies copies;

    @BeforeEach
    void oneParttionWithKeysAToE() {
        copies = new FakeCopies(1, new HostInfo("127.0.0.1", 1));
        for (String key : List.of("a", "b", "c", "d", "e")) {
            copies.put(key, key.toUpperCase());
        }
    }

    private RangePage page(KeyRange range, int max) {
        Read<RangePage> read = LocalRange.read(copies, new RangeRequest(0, range, max, -1, false));
        return assertInstanceOf(Read.Hit.class, read) instanceof Read.Hit<?> hit ? (RangePage) hit.value() : null;
    }

    private static List<String> keys(RangePage page) {
        return page.items().stream().map(kv -> kv.key).toList();
    }

    @Test
    void anExclusiveStartAndEndAreLeftOut() {
        RangePage page = page(new KeyRange("b", true, "d"), 10);

        assertEquals(List.of("c"), keys(page));
        assertTrue(page.exhausted());
    }

    @Test
    void aFullPageIsNotExhaustedAndTheNextContinuesAfterIt() {
        RangePage first = page(KeyRange.ALL, 2);
        RangePage second = page(KeyRange.ALL.after("b"), 2);
        RangePage third = page(KeyRange.ALL.after("d"), 2);

        assertEquals(List.of("a", "b"), keys(first));
        assertFalse(first.exhausted());
        assertEquals(List.of("c", "d"), keys(second));
        assertEquals(List.of("e"), keys(third));
        assertTrue(third.exhausted());
    }

    @Test
    void tombstonesArePagedTooSoTheScanMovesPastThem() {
        copies.remove("c");

        RangePage page = page(new KeyRange("b", false, null), 3);

        assertEquals(List.of("b", "c", "d"), keys(page));
        assertTrue(page.items().get(1).value.deleted());
    }

    @Test
    void aLargePageIsReadInChunksAndEndsAtItsSizeBudget() {
        // Given 300 small keys after 'e', then keys with 100 KiB values
        for (int i = 0; i < 300; i++) {
            copies.put(String.format("f%03d", i), "x");
        }
        for (int i = 0; i < 30; i++) {
            copies.put(String.format("g%03d", i), "y".repeat(100 * 1024));
        }

        RangePage small = page(new KeyRange("f", false, "g"), 250);
        RangePage large = page(new KeyRange("g", false, null), 1000);

        assertEquals(250, small.items().size(), "several chunks");
        assertEquals("f249", small.items().get(249).key);
        assertFalse(small.exhausted());
        assertEquals(11, large.items().size(), "stops at the first entry past 1 MiB");
        assertFalse(large.exhausted());
    }

    @Test
    void aCopyBehindTheBoundAnswersNotUpToBound() {
        Read<RangePage> read = LocalRange.read(copies, new RangeRequest(0, KeyRange.ALL, 10, 99, false));

        assertEquals(Read.Reason.NOT_UP_TO_BOUND, ((Read.Miss<RangePage>) read).reason());
    }
}
