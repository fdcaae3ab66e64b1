package io.kvlog.cli.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AppendedElementsTest {

    @Test
    void wrappedElementsSplitBackInOrderWithDuplicatesKept() {
        String value = AppendedElements.wrap("p1.3") + AppendedElements.wrap("p2.1") + AppendedElements.wrap("p1.3");

        assertEquals(List.of("p1.3", "p2.1", "p1.3"), AppendedElements.parse(value));
        assertEquals(List.of(), AppendedElements.parse(null));
        assertEquals(List.of(), AppendedElements.parse(""));
    }

    @Test
    void aValueThatIsNotAListAndAnElementThatCannotBeWrappedAreErrors() {
        IllegalStateException bad = assertThrows(IllegalStateException.class, () -> AppendedElements.parse("<a>junk<b>"));
        assertTrue(bad.getMessage().contains("at character 3"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AppendedElements.wrap("a>b"));
    }
}
