package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OutputTest {

    @Test
    void aValueOnOneLineIsCutSayingHowLongItWas() {
        assertEquals("a\\nb\\tc", Output.oneLine("a\nb\tc", 10));
        assertEquals("0123456789", Output.oneLine("0123456789", 10));
        assertEquals("0123456789… (11 chars)", Output.oneLine("0123456789x", 10));
        assertEquals("012345678… (11 chars)", Output.oneLine("012345678\uD83D\uDE00", 10)); // no half of a pair
    }

    @Test
    void shellWordsAreQuotedOnlyWhenNeeded() {
        assertEquals("app/a-1", Output.shellWord("app/a-1"));
        assertEquals("'a b'", Output.shellWord("a b"));
        assertEquals("'it'\\''s'", Output.shellWord("it's"));
        assertEquals("'$x'", Output.shellWord("$x"));
    }
}
