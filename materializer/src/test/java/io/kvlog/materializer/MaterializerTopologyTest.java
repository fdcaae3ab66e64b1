package io.kvlog.materializer;

import static io.kvlog.materializer.DrivenTopology.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.protocol.Entry;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.Expect;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.Outcome.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaterializerTopologyTest {

    @TempDir
    Path stateDir;
    private DrivenTopology kv;

    @BeforeEach
    void start() {
        kv = new DrivenTopology(stateDir);
    }

    @AfterEach
    void stop() {
        kv.close();
    }

    private static Instant at(Duration sinceT0) {
        return T0.plus(sinceT0);
    }

    @Test
    void eventsOfAKeyApplyInOffsetOrderAndTheVersionIsTheOffsetOfTheLastChange() {
        // Given three writes to one key, interleaved with a write to another
        kv.pipe("k", Event.insert("w1", "one"), T0);
        kv.pipe("other", Event.insert("w2", "x"), T0);
        kv.pipe("k", Event.insert("w3", "two"), T0);
        long last = kv.pipe("k", Event.insert("w4", "three"), T0);
        // Then the key holds the last value, at the last event's offset
        assertEquals(Entry.present("three", last), kv.entry("k"));
        assertEquals(Entry.present("x", 1), kv.entry("other"));
        assertEquals(Outcome.applied("w3", "k", 2, null, T0.toEpochMilli()), kv.outcome("w3"));
    }

    @Test
    void removeLeavesATombstoneWithItsVersionAndALaterInsertRecreatesTheKey() {
        // Given a key inserted then removed
        kv.pipe("k", Event.insert("w1", "v"), T0);
        long removed = kv.pipe("k", Event.remove("w2"), T0);
        // Then it is a tombstone at the remove's offset
        assertEquals(Entry.tombstone(removed), kv.entry("k"));
        // When it is inserted again
        long inserted = kv.pipe("k", Event.insert("w3", "again"), T0);
        // Then it is back, with a higher version
        assertEquals(Entry.present("again", inserted), kv.entry("k"));
        assertTrue(inserted > removed);
    }

    @Test
    void removingAnAbsentKeyIsAckedAndWritesATombstone() {
        long offset = kv.pipe("never", Event.remove("w1"), T0);
        assertEquals(Status.APPLIED, kv.outcome("w1").status());
        assertEquals(Entry.tombstone(offset), kv.entry("never"));
    }

    @Test
    void aDuplicateIdWithinTheWindowIsSkippedAndTheFirstOutcomeStands() {
        // Given an applied insert with id w1
        kv.pipe("k", Event.insert("w1", "first"), T0);
        Outcome first = kv.outcome("w1");
        // When the same id comes again an hour later (a client retry), with another value
        kv.pipe("k", Event.insert("w1", "second"), at(Duration.ofHours(1)));
        // Then the key is unchanged and the first outcome is still the one recorded
        assertEquals(Entry.present("first", 0), kv.entry("k"));
        assertEquals(first, kv.outcome("w1"));
        assertEquals(1, kv.counters.duplicates());
        assertEquals(1, kv.counters.applied());
    }

    @Test
    void aDuplicateIdBeyondTheWindowIsAppliedAnew() {
        // Given an applied insert with id w1
        kv.pipe("k", Event.insert("w1", "first"), T0);
        // When the same id comes again 24 h (the window) later in log time
        long again = kv.pipe("k", Event.insert("w1", "second"), at(Duration.ofHours(24)));
        // Then it is applied, and its outcome replaces the first
        assertEquals(Entry.present("second", again), kv.entry("k"));
        assertEquals(again, kv.outcome("w1").offset());
        assertEquals(0, kv.counters.duplicates());
    }

    @Test
    void logTimeNeverGoesBackSoAnOldRecordTimestampCannotRevive_AnExpiredId() {
        // Given id w1 applied at T0, then log time advanced to T0+25h by another event
        kv.pipe("k", Event.insert("w1", "first"), T0);
        kv.pipe("other", Event.insert("w2", "x"), at(Duration.ofHours(25)));
        // When w1 comes again with a record timestamp only 1 h after the first
        long again = kv.pipe("k", Event.insert("w1", "second"), at(Duration.ofHours(1)));
        // Then log time is still T0+25h: w1 has expired and is applied anew
        assertEquals(Entry.present("second", again), kv.entry("k"));
        assertEquals(at(Duration.ofHours(25)).toEpochMilli(), kv.outcome("w1").logTime());
    }

    @Test
    void ifVersionZeroAppliesOnlyToAnAbsentOrRemovedKey() {
        // Given an absent key, a created one and a removed one
        kv.pipe("created", Event.insert("c", "v"), T0);
        kv.pipe("removed", Event.insert("r1", "v"), T0);
        kv.pipe("removed", Event.remove("r2"), T0);
        // When each gets an insert if-version 0
        long onAbsent = kv.pipe("absent", Event.insert("i1", "new").expecting(Expect.version(0)), T0);
        long onCreated = kv.pipe("created", Event.insert("i2", "new").expecting(Expect.version(0)), T0);
        long onRemoved = kv.pipe("removed", Event.insert("i3", "new").expecting(Expect.version(0)), T0);
        // Then absent and removed keys take it; the created one fails with its current version
        // (0, as it was written at offset 0: present all the same, so "only if absent" fails)
        assertEquals(Entry.present("new", onAbsent), kv.entry("absent"));
        assertEquals(Entry.present("new", onRemoved), kv.entry("removed"));
        assertEquals(Entry.present("v", 0), kv.entry("created"));
        assertEquals(Outcome.preconditionFailed("i2", "created", onCreated, 0, T0.toEpochMilli()), kv.outcome("i2"));
        assertEquals(1, kv.counters.preconditionFailed());
    }

    @Test
    void ifVersionAppliesOnMatchAndFailsOnMismatchWithTheCurrentVersion() {
        // Given a key at version 1
        kv.pipe("pad", Event.insert("p", "x"), T0);
        long v1 = kv.pipe("k", Event.insert("w1", "v1"), T0);
        // When an update expects version 0 (wrong) then version 1 (right)
        kv.pipe("k", Event.insert("stale", "lost").expecting(Expect.version(0)), T0);
        long v2 = kv.pipe("k", Event.insert("fresh", "v2").expecting(Expect.version(v1)), T0);
        // Then only the matching one applied; the other reports the version it saw
        assertEquals(Entry.present("v2", v2), kv.entry("k"));
        assertEquals(Status.PRECONDITION_FAILED, kv.outcome("stale").status());
        assertEquals(v1, kv.outcome("stale").currentVersion());
        assertNull(kv.outcome("stale").version());
        assertEquals(v2, kv.outcome("fresh").version());
        // And a remove expecting the old version fails too
        kv.pipe("k", Event.remove("rm").expecting(Expect.version(v1)), T0);
        assertEquals(Entry.present("v2", v2), kv.entry("k"));
        assertEquals(v2, kv.outcome("rm").currentVersion());
    }

    @Test
    void ifExistsTrueFailsOnAnAbsentKeyAndAppliesOnAPresentOne() {
        kv.pipe("absent", Event.insert("a", "v").expecting(Expect.exists(true)), T0);
        kv.pipe("present", Event.insert("p1", "old"), T0);
        long updated = kv.pipe("present", Event.insert("p2", "new").expecting(Expect.exists(true)), T0);

        assertNull(kv.entry("absent"));
        assertEquals(Status.PRECONDITION_FAILED, kv.outcome("a").status());
        assertEquals(0, kv.outcome("a").currentVersion());
        assertEquals(Entry.present("new", updated), kv.entry("present"));
    }

    @Test
    void appendCreatesAnAbsentKeyAndExtendsAPresentOneReportingTheNewValue() {
        long created = kv.pipe("log", Event.append("a1", "ab"), T0);
        assertEquals(Entry.present("ab", created), kv.entry("log"));
        assertEquals("ab", kv.outcome("a1").value());

        long extended = kv.pipe("log", Event.append("a2", "cd"), T0);
        assertEquals(Entry.present("abcd", extended), kv.entry("log"));
        assertEquals("abcd", kv.outcome("a2").value());

        // a removed key starts again from empty
        kv.pipe("log", Event.remove("a3"), T0);
        long restarted = kv.pipe("log", Event.append("a4", "z"), T0);
        assertEquals(Entry.present("z", restarted), kv.entry("log"));
    }

    @Test
    void malformedRecordsAreSkippedAndCountedAndLaterEventsStillApply() {
        // Given records that are not valid events
        Digest before = kv.digest();
        kv.pipeRaw(bytes("k"), bytes("{not json"), T0);
        kv.pipeRaw(bytes("k"), bytes("{\"v\":1,\"type\":\"Upsert\",\"id\":\"x\",\"value\":\"v\"}"), T0);
        kv.pipeRaw(bytes("k"), bytes("{\"v\":1,\"type\":\"Insert\",\"id\":\"a b\",\"value\":\"v\"}"), T0);
        kv.pipeRaw(null, bytes("{\"v\":1,\"type\":\"Insert\",\"id\":\"nokey\",\"value\":\"v\"}"), T0);
        kv.pipeRaw(bytes("bad\u0007key"), bytes("{\"v\":1,\"type\":\"Insert\",\"id\":\"ctl\",\"value\":\"v\"}"), T0);
        kv.pipeRaw(bytes("k"), null, T0);
        // Then each is counted and nothing but the progress changed
        assertEquals(6, kv.counters.malformed());
        assertNull(kv.entry("k"));
        assertNull(kv.outcome("nokey"));
        assertNull(kv.outcome("ctl"));
        assertNotEquals(before, kv.digest());
        assertEquals(5, kv.digest().offset());
        assertEquals(0, kv.digest().entries());
        // When a valid event follows
        long offset = kv.pipe("k", Event.insert("ok", "v"), T0);
        // Then it applies as usual
        assertEquals(Entry.present("v", offset), kv.entry("k"));
    }

    @Test
    void theDigestOfTheDrivenStoresEqualsAReplayOfTheSameLog() {
        // Given a log with every kind of event, duplicates, failures and a malformed record
        List<Event> kinds = List.of(Event.insert("i", "v"), Event.append("a", "+"), Event.remove("r"));
        for (int n = 0; n < 300; n++) {
            Event event = kinds.get(n % 3);
            String id = event.id() + (n % 7 == 0 ? "-dup" : "-" + n); // some ids repeat
            Event written = new Event(event.type(), id, event.value(), n % 5 == 0 ? Expect.version(0) : null);
            kv.pipe("key-" + (n % 17) + (n % 2 == 0 ? "é" : "😀"), written, at(Duration.ofMinutes(n * 10L)));
        }
        kv.pipeRaw(bytes("k"), bytes("garbage"), at(Duration.ofDays(3)));
        Digest live = kv.digest();
        // When the same records are replayed from a source with the same window
        Replayer replayer = new Replayer(kv.config.dedupeWindow(), Duration.ofSeconds(1));
        List<Replayer.Report> reports = new ArrayList<>();
        Replayer.Replay replay = replayer.replay(new ListEventSource(kv.log, 7), 0, kv.log.size(), reports::add);
        // Then the digests are equal, and the replay decided exactly what the topology decided
        assertEquals(live, replay.digest());
        assertEquals(kv.counters.toString(), replay.counters().toString());
        assertTrue(live.entries() > 17 && live.outcomes() > 0, live.toString());
        assertEquals(kv.log.size(), reports.get(reports.size() - 1).events());
        assertTrue(reports.get(reports.size() - 1).done());
        // And a replay that stops one event short differs
        Replayer.Replay shorter = replayer.replay(new ListEventSource(kv.log, 7), 0, kv.log.size() - 1, r -> { });
        assertNotEquals(live.sha256(), shorter.digest().sha256());
    }

    @Test
    void purgingExpiredOutcomesDoesNotChangeTheDigestOrAnyDecision(@TempDir Path otherDir) {
        // Given the same log applied with purges every minute of stream time and with none
        try (DrivenTopology unpurged = new DrivenTopology(otherDir, Duration.ofHours(1), Duration.ofDays(3650));
             DrivenTopology purged = new DrivenTopology(stateDir.resolve("purged"), Duration.ofHours(1),
                     Duration.ofMinutes(1))) {
            for (int n = 0; n < 200; n++) {
                // ids repeat every 50 events, 10 minutes apart: some within the window, some beyond
                Event event = Event.append("id-" + (n % 50), ".");
                Instant time = at(Duration.ofMinutes(n * 10L));
                unpurged.pipe("k" + (n % 3), event, time);
                purged.pipe("k" + (n % 3), event, time);
            }
            // Then the purge removed outcomes...
            assertTrue(purged.storedOutcomes() < unpurged.storedOutcomes(),
                    purged.storedOutcomes() + " vs " + unpurged.storedOutcomes());
            // ...but every decision and the digest are the same
            assertEquals(unpurged.counters.toString(), purged.counters.toString());
            assertEquals(unpurged.entry("k0"), purged.entry("k0"));
            assertEquals(unpurged.digest(), purged.digest());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
