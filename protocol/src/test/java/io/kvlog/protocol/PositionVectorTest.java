package io.kvlog.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PositionVectorTest {

    @Test
    void aVectorReadsBackFromItsTextInPartitionOrder() {
        PositionVector vector = PositionVector.parse("2:5,0:17,1:-1");
        assertEquals("0:17,1:-1,2:5", vector.toString());
        assertEquals(17L, vector.offset(0));
        assertNull(vector.offset(3));
        assertEquals(vector, PositionVector.parse(vector.toString()));
    }

    @Test
    void aTokenIsAVectorOfOne() {
        assertEquals("3:1042", PositionVector.parse(new Token(3, 1042).toString()).toString());
    }

    @Test
    void ofTakesTheNamedPartitionsOnly() {
        assertEquals("1:7,3:9", PositionVector.of(new long[] {5, 7, 8, 9}, List.of(3, 1)).toString());
    }

    @Test
    void badVectorsAreRefusedNamingWhatWasWrong() {
        for (String bad : new String[] {"", " ", "0:1,", "a:1", "0:x", "0:-2", "-1:0", "0:1,0:2", "0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PositionVector.parse(bad),
                    bad);
            assertTrue(e.getMessage().startsWith("position: "), e.getMessage());
        }
    }
}
