package io.kvlog.node.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests (shared through the node's
 * test-jar: the cli module's cluster tests scrape real nodes with it).
 *
 * <p>Why hand-written: no Java library on Maven Central reachable here parses the format. The
 * official Java client ({@code io.prometheus:prometheus-metrics-exposition-textformats}) only
 * writes it; Hawkular's {@code prometheus-scraper} was never published to Maven Central; the
 * maintained parsers are Go ({@code prometheus/common/expfmt}) and Python
 * ({@code prometheus_client.parser}). So this follows the format's grammar character by
 * character (not a regex over lines) and rejects what a Prometheus server would reject: a bad
 * metric or label name, an unterminated or badly escaped label value, a duplicate label, a value
 * that is not a float ({@code NaN}, {@code +Inf}, {@code -Inf} included), a {@code TYPE} that is
 * unknown, repeated, or comes after its family's samples, a repeated series, a histogram bucket
 * without {@code le}.
 */
public final class PrometheusText {

    /** One sample: its name (with any {@code _total}, {@code _bucket}… suffix), labels and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    public final Map<String, String> types = new HashMap<>();
    public final Map<String, String> help = new HashMap<>();
    public final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {
    }

    public static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        Set<String> series = new java.util.HashSet<>();
        Set<String> familiesWithSamples = new java.util.HashSet<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            try {
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith("#")) {
                    parsed.comment(line, familiesWithSamples);
                    continue;
                }
                Sample sample = new Cursor(line).sample();
                if (!series.add(sample.name() + sample.labels())) {
                    throw new IllegalArgumentException("the series appears twice");
                }
                String family = parsed.familyOf(sample.name());
                familiesWithSamples.add(family);
                if ("histogram".equals(parsed.types.get(family)) && sample.name().endsWith("_bucket")
                        && !sample.labels().containsKey("le")) {
                    throw new IllegalArgumentException("a histogram bucket without le");
                }
                parsed.samples.add(sample);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (n + 1) + " \"" + line + "\": " + e.getMessage(), e);
            }
        }
        return parsed;
    }

    private void comment(String line, Set<String> familiesWithSamples) {
        String[] parts = line.substring(1).stripLeading().split("[ \t]+", 3);
        if (parts.length < 2 || !(parts[0].equals("HELP") || parts[0].equals("TYPE"))) {
            return; // any other comment
        }
        String name = parts[1];
        Cursor.checkMetricName(name);
        if (parts[0].equals("HELP")) {
            help.put(name, parts.length == 3 ? parts[2] : "");
            return;
        }
        if (parts.length < 3 || !TYPES.contains(parts[2].strip())) {
            throw new IllegalArgumentException("TYPE " + name + ": must be one of " + TYPES);
        }
        if (types.put(name, parts[2].strip()) != null) {
            throw new IllegalArgumentException("TYPE " + name + " given twice");
        }
        if (familiesWithSamples.contains(name)) {
            throw new IllegalArgumentException("TYPE " + name + " after its samples");
        }
    }

    /** The family a sample belongs to: its name less a histogram's or summary's suffix when the family is typed so. */
    private String familyOf(String name) {
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                String family = name.substring(0, name.length() - suffix.length());
                String type = types.get(family);
                if ("histogram".equals(type) || "summary".equals(type)) {
                    return family;
                }
            }
        }
        return name;
    }

    /** The value of the one sample named {@code name} whose labels include {@code labels}; fails if none or several. */
    public double value(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + labels + ": " + found);
        }
        return found.get(0).value();
    }

    /** The sum over the samples named {@code name} whose labels include {@code labels} (0 if none). */
    public double sum(String name, Map<String, String> labels) {
        return find(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    public List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    /** Reads one sample line: {@code name [{label="value",…}] value [timestamp]}. */
    private static final class Cursor {
        private final String line;
        private int at;

        Cursor(String line) {
            this.line = line;
        }

        Sample sample() {
            String name = name(true);
            checkMetricName(name);
            Map<String, String> labels = Collections.emptyMap();
            boolean blank = spaces();
            if (peek() == '{') {
                at++;
                labels = labels();
                blank = spaces();
            }
            if (!blank) {
                throw new IllegalArgumentException("no blank before the value at column " + at);
            }
            double value = number(token());
            if (spaces() && at < line.length()) {
                String timestamp = token();
                try {
                    Long.parseLong(timestamp);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("timestamp: must be whole milliseconds, got " + timestamp);
                }
                spaces();
            }
            if (at != line.length()) {
                throw new IllegalArgumentException("unexpected text at column " + at);
            }
            return new Sample(name, labels, value);
        }

        private Map<String, String> labels() {
            Map<String, String> labels = new LinkedHashMap<>();
            while (true) {
                spaces();
                if (peek() == '}') {
                    at++;
                    return labels;
                }
                String label = name(false);
                spaces();
                expect('=');
                spaces();
                expect('"');
                StringBuilder value = new StringBuilder();
                while (true) {
                    char c = next();
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char escaped = next();
                        switch (escaped) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new IllegalArgumentException("bad escape \\" + escaped + " in label " + label);
                        }
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " given twice");
                }
                spaces();
                if (peek() == ',') {
                    at++;
                } else if (peek() != '}') {
                    throw new IllegalArgumentException("expected , or } at column " + at);
                }
            }
        }

        private String name(boolean metric) {
            int start = at;
            while (at < line.length()) {
                char c = line.charAt(at);
                boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                        || (at > start && c >= '0' && c <= '9') || (metric && c == ':');
                if (!ok) {
                    break;
                }
                at++;
            }
            if (at == start) {
                throw new IllegalArgumentException("expected a name at column " + at);
            }
            return line.substring(start, at);
        }

        static void checkMetricName(String name) {
            Cursor cursor = new Cursor(name);
            if (cursor.name(true).length() != name.length()) {
                throw new IllegalArgumentException("bad metric name " + name);
            }
        }

        private String token() {
            int start = at;
            while (at < line.length() && line.charAt(at) != ' ' && line.charAt(at) != '\t') {
                at++;
            }
            return line.substring(start, at);
        }

        private static double number(String token) {
            switch (token) {
                case "NaN":
                    return Double.NaN;
                case "+Inf":
                    return Double.POSITIVE_INFINITY;
                case "-Inf":
                    return Double.NEGATIVE_INFINITY;
                default:
                    // Java would take "Infinity", hex floats and a trailing d/f: the format takes none of them
                    for (char c : token.toCharArray()) {
                        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
                            throw new IllegalArgumentException("value: must be a float, got " + token);
                        }
                    }
                    try {
                        return Double.parseDouble(token);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("value: must be a float, got " + token);
                    }
            }
        }

        private boolean spaces() {
            int start = at;
            while (at < line.length() && (line.charAt(at) == ' ' || line.charAt(at) == '\t')) {
                at++;
            }
            return at > start;
        }

        private char peek() {
            return at < line.length() ? line.charAt(at) : '\0';
        }

        private char next() {
            if (at >= line.length()) {
                throw new IllegalArgumentException("the line ends inside a label value");
            }
            return line.charAt(at++);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalArgumentException("expected " + c + " at column " + at);
            }
            at++;
        }
    }
}
