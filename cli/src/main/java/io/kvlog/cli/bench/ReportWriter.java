package io.kvlog.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link BenchReport}: a plain-text table for the terminal, a markdown table (the one
 * docs/PERFORMANCE.md holds), {@code report.json}, the two plots as SVG files, and
 * {@code report.html}, a single self-contained page (inline SVG, no script, nothing fetched).
 */
public final class ReportWriter {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {
    }

    /** The files written into {@code dir}. */
    public record Files(Path json, Path html, Path markdown, Path percentilesSvg, Path throughputSvg) {
    }

    public static Files write(BenchReport report, Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir);
            Files files = new Files(dir.resolve("report.json"), dir.resolve("report.html"), dir.resolve("results.md"),
                    dir.resolve("latency-percentiles.svg"), dir.resolve("throughput.svg"));
            JSON.writeValue(files.json().toFile(), report);
            write(files.html(), html(report));
            write(files.markdown(), markdown(report));
            write(files.percentilesSvg(), Plots.percentiles(report.results()));
            write(files.throughputSvg(), Plots.throughput(report.results()));
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bench report to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, String text) throws IOException {
        java.nio.file.Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Reads a report.json written by {@link #write}. */
    public static BenchReport read(Path json) {
        try {
            return JSON.readValue(json.toFile(), BenchReport.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("--render: cannot read a bench report from " + json + ": "
                    + e.getMessage(), e);
        }
    }

    static List<String> resultHeader() {
        return List.of("system", "workload", "mode", "conns", "ops/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                "max ms", "errors");
    }

    static List<List<String>> resultRows(BenchReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (WorkloadResult r : report.results()) {
            LatencySummary l = r.latency();
            rows.add(List.of(r.system(), r.workload(), r.mode(), Integer.toString(r.connections()),
                    String.format(Locale.ROOT, "%.0f", r.opsPerSecond()), ms(l.p50Ms()), ms(l.p90Ms()), ms(l.p99Ms()),
                    ms(l.p999Ms()), ms(l.maxMs()), errors(r.errors())));
        }
        return rows;
    }

    static List<String> ratioHeader() {
        return List.of("workload", "baseline", "kvlog", "baseline's", "unit", "kvlog/baseline");
    }

    static List<List<String>> ratioRows(BenchReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (BenchReport.Ratio r : report.ratios()) {
            rows.add(List.of(r.workload(), r.baseline(), String.format(Locale.ROOT, "%.0f", r.kvlog()),
                    String.format(Locale.ROOT, "%.0f", r.other()), r.unit(), String.format(Locale.ROOT, "%.2f", r.ratio())));
        }
        return rows;
    }

    static List<String> scenarioHeader() {
        return List.of("scenario", "value", "unit", "details");
    }

    static List<List<String>> scenarioRows(BenchReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (ScenarioResult s : report.scenarios()) {
            rows.add(List.of(s.scenario(), Double.isNaN(s.value()) ? "n/a" : String.format(Locale.ROOT, "%.2f", s.value()),
                    s.metric(), compact(s.details())));
        }
        return rows;
    }

    /** The text tables for the terminal. */
    public static String text(BenchReport report) {
        StringBuilder s = new StringBuilder();
        s.append(table(resultHeader(), resultRows(report), false));
        if (!report.ratios().isEmpty()) {
            s.append('\n').append(table(ratioHeader(), ratioRows(report), false));
        }
        if (!report.scenarios().isEmpty()) {
            s.append('\n').append(table(scenarioHeader(), scenarioRows(report), false));
        }
        if (!SecurityScenario.rows(report.results()).isEmpty()) {
            s.append("\nsecurity: per request, against plain HTTP\n")
                    .append(table(SecurityScenario.header(), SecurityScenario.rows(report.results()), false));
        }
        report.problems().forEach(p -> s.append("\nFAILED: ").append(p));
        return s.toString();
    }

    /** The markdown tables, as pasted into docs/PERFORMANCE.md. */
    public static String markdown(BenchReport report) {
        StringBuilder s = new StringBuilder();
        s.append("Run started ").append(report.started()).append(" on ").append(report.machine().get("cores"))
                .append(" cores (load average at start ").append(report.machine().get("loadAverageAtStart"))
                .append("); ").append(report.settings().connections()).append(" connections, ")
                .append(report.settings().keys()).append(" keys, ").append(report.settings().valueBytes())
                .append(" B values, ").append(report.settings().warmupSeconds()).append(" s warm-up + ")
                .append(report.settings().seconds()).append(" s measured per workload")
                .append(report.settings().primeSeconds() > 0 ? ", after " + report.settings().primeSeconds()
                        + " s of unmeasured priming load per system" : "").append(".\n\n");
        s.append("Command: `").append(report.command()).append("`\n\n");
        s.append(table(resultHeader(), resultRows(report), true));
        if (!report.ratios().isEmpty()) {
            s.append('\n').append(table(ratioHeader(), ratioRows(report), true));
        }
        if (!report.scenarios().isEmpty()) {
            s.append('\n').append(table(scenarioHeader(), scenarioRows(report), true));
        }
        if (!SecurityScenario.rows(report.results()).isEmpty()) {
            s.append("\nSecurity: per request, against plain HTTP\n\n")
                    .append(table(SecurityScenario.header(), SecurityScenario.rows(report.results()), true));
        }
        report.problems().forEach(p -> s.append("\n**Failed:** ").append(p).append('\n'));
        return s.toString();
    }

    static String html(BenchReport report) {
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kvlog bench ")
                .append(Plots.escape(report.started())).append("</title>\n<style>body{font-family:sans-serif;margin:2em}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}td:first-child,th:first-child,td:nth-child(2){text-align:left}"
                        + "code{background:#f4f4f4}</style></head><body>\n");
        s.append("<h1>kvlog bench</h1>\n<p>Started ").append(Plots.escape(report.started())).append("; command <code>")
                .append(Plots.escape(report.command())).append("</code></p>\n<p>Machine: ")
                .append(Plots.escape(report.machine().toString())).append("</p>\n<p>Settings: ")
                .append(Plots.escape(report.settings().toString())).append("</p>\n");
        s.append("<h2>Results (measured seconds only)</h2>\n").append(htmlTable(resultHeader(), resultRows(report)));
        if (!report.ratios().isEmpty()) {
            s.append("<h2>kvlog / baseline</h2>\n").append(htmlTable(ratioHeader(), ratioRows(report)));
        }
        if (!report.scenarios().isEmpty()) {
            s.append("<h2>Scenarios</h2>\n").append(htmlTable(scenarioHeader(), scenarioRows(report)));
        }
        if (!SecurityScenario.rows(report.results()).isEmpty()) {
            s.append("<h2>Security: per request, against plain HTTP</h2>\n")
                    .append(htmlTable(SecurityScenario.header(), SecurityScenario.rows(report.results())));
        }
        report.problems().forEach(p -> s.append("<p><b>Failed:</b> ").append(Plots.escape(p)).append("</p>\n"));
        s.append("<h2>Latency by percentile</h2>\n").append(Plots.percentiles(report.results()));
        s.append("<h2>Throughput over time</h2>\n").append(Plots.throughput(report.results()));
        s.append("</body></html>\n");
        return s.toString();
    }

    private static String htmlTable(List<String> header, List<List<String>> rows) {
        StringBuilder s = new StringBuilder("<table><tr>");
        header.forEach(h -> s.append("<th>").append(Plots.escape(h)).append("</th>"));
        s.append("</tr>\n");
        for (List<String> row : rows) {
            s.append("<tr>");
            row.forEach(c -> s.append("<td>").append(Plots.escape(c)).append("</td>"));
            s.append("</tr>\n");
        }
        return s.append("</table>\n").toString();
    }

    static String table(List<String> header, List<List<String>> cells, boolean markdown) {
        List<List<String>> rows = markdown
                ? cells.stream().map(row -> row.stream().map(c -> c.replace("|", "\\|")).toList()).toList() : cells;
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = Math.max(markdown ? 3 : 0, header.get(i).length());
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder s = new StringBuilder();
        appendRow(s, header, widths, markdown);
        if (markdown) {
            List<String> rule = new ArrayList<>();
            for (int w : widths) {
                rule.add("-".repeat(w));
            }
            appendRow(s, rule, widths, true);
        }
        for (List<String> row : rows) {
            appendRow(s, row, widths, markdown);
        }
        return s.toString();
    }

    private static void appendRow(StringBuilder s, List<String> cells, int[] widths, boolean markdown) {
        StringBuilder line = new StringBuilder(markdown ? "| " : "");
        for (int i = 0; i < cells.size(); i++) {
            line.append(String.format("%-" + widths[i] + "s", cells.get(i))).append(markdown ? " | " : "  ");
        }
        s.append(line.toString().stripTrailing()).append('\n');
    }

    /** Details as {@code k=v, ...} with figures rounded to 2 decimals (the JSON keeps them whole). */
    static String compact(Object value) {
        if (value instanceof Map<?, ?> map) {
            StringBuilder s = new StringBuilder();
            new java.util.TreeMap<>(map).forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append('=')
                    .append(v instanceof Map ? "{" + compact(v) + "}" : compact(v)));
            return s.toString();
        }
        if (value instanceof Double || value instanceof Float) {
            return String.format(Locale.ROOT, "%.2f", ((Number) value).doubleValue());
        }
        return String.valueOf(value);
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, ms < 10 ? "%.2f" : "%.1f", ms);
    }

    static String errors(Map<String, Long> errors) {
        if (errors.isEmpty()) {
            return "0";
        }
        StringBuilder s = new StringBuilder();
        errors.forEach((kind, n) -> s.append(s.length() == 0 ? "" : ", ").append(kind).append(": ").append(n));
        return s.toString();
    }
}
