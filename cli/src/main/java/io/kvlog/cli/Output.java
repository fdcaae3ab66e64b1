package io.kvlog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Where commands write: results to stdout (plain tables, or JSON with {@code --json}), progress to
 * stderr, so scripts can read stdout untouched by progress lines.
 */
public final class Output {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintWriter out;
    private final PrintWriter err;

    public Output(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    public void line(String text) {
        out.println(text);
        out.flush();
    }

    public void progress(String text) {
        err.println(text);
        err.flush();
    }

    public void json(Object value) {
        try {
            line(JSON.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }

    /** Prints rows as a left-aligned table with a header. */
    public void table(List<String> header, List<List<String>> rows) {
        tableLines(header, rows).forEach(this::line);
    }

    /** The lines of a left-aligned table with a header. */
    public static List<String> tableLines(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(format(header, widths));
        for (List<String> row : rows) {
            lines.add(format(row, widths));
        }
        return lines;
    }

    /**
     * A value on one line of at most about {@code max} characters: line breaks and tabs shown as
     * {@code \n}, {@code \r}, {@code \t}; a longer one cut, saying how long it was.
     */
    public static String oneLine(String text, int max) {
        String one = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        if (one.length() <= max) {
            return one;
        }
        int cut = Character.isHighSurrogate(one.charAt(max - 1)) ? max - 1 : max;
        return one.substring(0, cut) + "… (" + text.length() + " chars)";
    }

    /** The word as a POSIX shell reads it back: as it is if it is plain, else in single quotes. */
    public static String shellWord(String word) {
        return word.matches("[A-Za-z0-9_./:@%+=,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private static String format(List<String> cells, int[] widths) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            s.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + (widths[i] + 2) + "s", cells.get(i)));
        }
        return s.toString().stripTrailing();
    }
}
