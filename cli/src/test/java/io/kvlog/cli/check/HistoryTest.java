package io.kvlog.cli.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recording from concurrent clients, snapshots and the JSON form. */
class HistoryTest {

    @TempDir
    Path dir;

    @Test
    void concurrentClientsRecordEveryOperationOnce() throws Exception {
        History history = new History();
        int clients = 8;
        int perClient = 2_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < clients; c++) {
            int process = c;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perClient; i++) {
                        long id = history.invoke(process, OpKind.PUT, "k" + process, "v" + i);
                        switch (i % 3) {
                            case 0 -> history.ok(id, null);
                            case 1 -> history.fail(id);
                            default -> history.unknown(id);
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }

        assertEquals(List.of(), errors);
        List<HistoryEntry> entries = history.entries();
        assertEquals(clients * perClient, history.size());
        assertEquals(clients * perClient, entries.size());
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            HistoryEntry e = entries.get(i);
            assertTrue(ids.add(e.id()), "duplicate id " + e.id());
            if (i > 0) {
                assertTrue(entries.get(i - 1).callNanos() <= e.callNanos(), "not in call order at " + i);
            }
            int sequence = Integer.parseInt(e.value().substring(1));
            OpOutcome expected = switch (sequence % 3) {
                case 0 -> OpOutcome.OK;
                case 1 -> OpOutcome.FAIL;
                default -> OpOutcome.UNKNOWN;
            };
            assertEquals(expected, e.outcome(), e.toString());
            assertEquals(expected == OpOutcome.UNKNOWN, e.returnNanos() == HistoryEntry.OPEN, e.toString());
        }
        Map<String, List<HistoryEntry>> byKey = history.byKey();
        assertEquals(clients, byKey.size());
        byKey.forEach((key, ops) -> assertEquals(perClient, ops.size(), key));
    }

    @Test
    void anOperationInFlightIsUnknownWithAnOpenEnd() {
        History history = new History();
        long id = history.invoke(3, OpKind.APPEND, "k", "x");

        HistoryEntry entry = history.entries().get(0);

        assertEquals(id, entry.id());
        assertEquals(OpOutcome.UNKNOWN, entry.outcome());
        assertEquals(HistoryEntry.OPEN, entry.returnNanos());
        assertNull(entry.observed());
    }

    @Test
    void anOperationEndsOnceAndOnlyIfItWasInvoked() {
        History history = new History();
        long id = history.invoke(1, OpKind.GET, "k", null);
        history.ok(id, "v");

        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> history.fail(id));
        assertTrue(twice.getMessage().contains("already ended as OK"), twice.getMessage());
        IllegalArgumentException unknownId = assertThrows(IllegalArgumentException.class, () -> history.ok(id + 1, null));
        assertTrue(unknownId.getMessage().contains("no operation " + (id + 1)), unknownId.getMessage());
        assertThrows(IllegalArgumentException.class, () -> history.invoke(1, OpKind.PUT, "k", null));
        assertEquals("v", history.entries().get(0).observed());
    }

    @Test
    void writesAndReadsBackJson() throws Exception {
        History history = new History();
        long put = history.invoke(1, OpKind.PUT, "k", "a \"quoted\" value");
        history.ok(put, null);
        long get = history.invoke(2, OpKind.GET, "k", null);
        history.ok(get, "a \"quoted\" value");
        long append = history.invoke(2, OpKind.APPEND, "k2", "x");
        history.unknown(append);
        history.invoke(3, OpKind.DELETE, "k2", null);
        Path file = dir.resolve("history.json");

        history.writeJson(file);
        History read = History.readJson(file);

        assertTrue(Files.readString(file).contains("\"operations\" : 4"), Files.readString(file));
        assertEquals(history.entries(), read.entries());
        long next = read.invoke(1, OpKind.GET, "k", null);
        assertEquals(4, next, "ids continue after those read");
    }

    @Test
    void aGivenHistoryRejectsDuplicateIds() {
        HistoryEntry one = new HistoryEntry(1, 1, OpKind.GET, "k", null, 0, 1, OpOutcome.OK, null);

        assertThrows(IllegalArgumentException.class, () -> History.of(List.of(one, one)));
    }

    @Test
    void entriesRejectImpossibleTimes() {
        IllegalArgumentException backwards = assertThrows(IllegalArgumentException.class,
                () -> new HistoryEntry(1, 1, OpKind.GET, "k", null, 5, 4, OpOutcome.OK, null));
        assertTrue(backwards.getMessage().contains("returned at 4 before its call at 5"), backwards.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new HistoryEntry(1, 1, OpKind.PUT, "k", "v", 5, 6, OpOutcome.UNKNOWN, null));
    }
}
