package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenTest {

    @Test
    void roundTripsItsTextForm() {
        Token token = new Token(3, 1042);

        assertEquals("3:1042", token.toString());
        assertEquals(token, Token.parse("3:1042"));
        assertEquals(new Token(0, -1), Token.parse("0:-1"));
    }

    @Test
    void malformedTokensNameTheInputAndTheExpectedForm() {
        for (String bad : Arrays.asList(null, "", "3", ":5", "3:", "a:1", "1:b", "-1:4", "2:-7", "1:2:3")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Token.parse(bad),
                    "accepted " + bad);
            assertTrue(e.getMessage().startsWith("token: "), e.getMessage());
            if (bad != null && List.of("", "3", ":5", "3:", "a:1", "1:b", "1:2:3").contains(bad)) {
                assertTrue(e.getMessage().contains("PARTITION:OFFSET"), e.getMessage());
            }
        }
    }
}
