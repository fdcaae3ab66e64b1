package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExpectTest {

    @Test
    void versionZeroMeansAbsentEvenForAKeyWrittenAtOffsetZero() {
        assertTrue(Expect.version(0).holdsFor(false, 0));
        assertFalse(Expect.version(0).holdsFor(true, 7));
    }

    @Test
    void versionNMatchesOnlyAPresentKeyAtN() {
        assertTrue(Expect.version(7).holdsFor(true, 7));
        assertFalse(Expect.version(7).holdsFor(true, 8));
        assertFalse(Expect.version(7).holdsFor(false, 0));
    }

    @Test
    void existsChecksPresenceAndBothConditionsMustHold() {
        assertTrue(Expect.exists(true).holdsFor(true, 3));
        assertFalse(Expect.exists(true).holdsFor(false, 0));
        assertTrue(Expect.exists(false).holdsFor(false, 0));
        assertFalse(new Expect(3L, false).holdsFor(true, 3));
        assertThrows(IllegalArgumentException.class, () -> new Expect(null, null));
        assertThrows(IllegalArgumentException.class, () -> Expect.version(-1));
    }
}
