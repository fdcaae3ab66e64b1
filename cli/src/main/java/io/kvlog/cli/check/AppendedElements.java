package io.kvlog.cli.check;

import java.util.ArrayList;
import java.util.List;

/**
 * The elements the scenarios append: each wrapped as {@code <element>}, so a suffix can never be
 * found across the boundary of two others (what the lost-write check's exactly-once and order
 * checks need), and a list value splits back into its elements.
 */
final class AppendedElements {

    private AppendedElements() {
    }

    /** {@code element} as a suffix to append; it must not contain {@code <} or {@code >}. */
    static String wrap(String element) {
        if (element.indexOf('<') >= 0 || element.indexOf('>') >= 0) {
            throw new IllegalArgumentException("an appended element must not contain < or >, got " + element);
        }
        return "<" + element + ">";
    }

    /** The elements of a value made of wrapped elements, in order; a value that is not one is an error. */
    static List<String> parse(String value) {
        List<String> elements = new ArrayList<>();
        if (value == null) {
            return elements;
        }
        int at = 0;
        while (at < value.length()) {
            int end = value.indexOf('>', at);
            if (value.charAt(at) != '<' || end < 0) {
                throw new IllegalStateException("not a list of <elements> at character " + at + ": " + value);
            }
            elements.add(value.substring(at + 1, end));
            at = end + 1;
        }
        return elements;
    }
}
