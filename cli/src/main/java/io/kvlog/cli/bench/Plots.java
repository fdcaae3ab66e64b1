package io.kvlog.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Self-contained SVG plots (no script, no fonts to fetch): the latency-percentile curve of each
 * result on a log-scaled percentile axis, and throughput per second over each run.
 */
public final class Plots {

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
            "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#e7ba52", "#7b4173",
            "#3182bd"};
    private static final int WIDTH = 960;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 300;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private Plots() {
    }

    /** Latency (ms, log scale) by percentile (x = log10(1/(1-p)): 0, 90, 99, 99.9 ... then max). */
    public static String percentiles(List<WorkloadResult> results) {
        double maxX = 1;
        double minMs = Double.MAX_VALUE;
        double maxMs = 0;
        for (WorkloadResult r : results) {
            for (LatencySummary.Point p : r.latency().curve()) {
                if (p.percentile() < 100) {
                    maxX = Math.max(maxX, x(p.percentile()));
                }
                if (p.ms() > 0) {
                    minMs = Math.min(minMs, p.ms());
                }
                maxMs = Math.max(maxMs, p.ms());
            }
        }
        double xMax = Math.ceil(maxX) + 0.5;
        double lo = minMs == Double.MAX_VALUE ? -1 : Math.floor(Math.log10(minMs));
        double hi = maxMs == 0 ? 1 : Math.max(lo + 1, Math.ceil(Math.log10(maxMs)));
        StringBuilder svg = open("Latency by percentile (log-log)");
        Frame frame = new Frame(0, xMax, lo, hi);
        for (int d = 0; d <= (int) Math.ceil(maxX); d++) {
            String label = d == 0 ? "0%" : trim(100 * (1 - Math.pow(10, -d))) + "%";
            frame.xTick(svg, d, label);
        }
        frame.xTick(svg, xMax, "max");
        for (int e = (int) lo; e <= (int) hi; e++) {
            frame.yTick(svg, e, trim(Math.pow(10, e)) + " ms");
        }
        svg.append(text(LEFT + (WIDTH - LEFT - RIGHT) / 2, HEIGHT - 10, "percentile", "middle"));
        int i = 0;
        for (WorkloadResult r : results) {
            List<double[]> points = new ArrayList<>();
            for (LatencySummary.Point p : r.latency().curve()) {
                double px = p.percentile() >= 100 ? xMax : x(p.percentile());
                points.add(new double[] {frame.px(px), frame.py(Math.log10(Math.max(p.ms(), Math.pow(10, lo))))});
            }
            line(svg, points, COLORS[i % COLORS.length], false);
            legend(svg, i, r.label() + String.format(Locale.ROOT, " (p99 %.1f ms)", r.latency().p99Ms()),
                    COLORS[i % COLORS.length]);
            i++;
        }
        return close(svg);
    }

    /** Successful operations per second of each run, warm-up included (dashed). */
    public static String throughput(List<WorkloadResult> results) {
        int seconds = 1;
        double maxOps = 1;
        for (WorkloadResult r : results) {
            for (WorkloadResult.Second s : r.timeline()) {
                seconds = Math.max(seconds, s.t());
                maxOps = Math.max(maxOps, s.ops());
            }
        }
        double top = niceCeiling(maxOps);
        StringBuilder svg = open("Throughput over time (ops/s; warm-up dashed)");
        Frame frame = new Frame(0, seconds, 0, top);
        int step = Math.max(1, seconds / 10);
        for (int t = 0; t <= seconds; t += step) {
            frame.xTick(svg, t, t + " s");
        }
        for (int k = 0; k <= 5; k++) {
            frame.yTick(svg, top * k / 5, String.format(Locale.ROOT, "%,.0f", top * k / 5));
        }
        svg.append(text(LEFT + (WIDTH - LEFT - RIGHT) / 2, HEIGHT - 10, "seconds since the workload started", "middle"));
        int i = 0;
        for (WorkloadResult r : results) {
            if (r.timeline().isEmpty()) {
                continue; // one request at a time (history reads): no per-second line
            }
            List<double[]> warm = new ArrayList<>();
            List<double[]> measured = new ArrayList<>();
            for (WorkloadResult.Second s : r.timeline()) {
                double[] point = {frame.px(s.t()), frame.py(s.ops())};
                if (s.warmup()) {
                    warm.add(point);
                } else {
                    if (measured.isEmpty() && !warm.isEmpty()) {
                        measured.add(warm.get(warm.size() - 1));
                    }
                    measured.add(point);
                }
            }
            String color = COLORS[i % COLORS.length];
            line(svg, warm, color, true);
            line(svg, measured, color, false);
            legend(svg, i, r.label() + String.format(Locale.ROOT, " (%,.0f/s)", r.opsPerSecond()), color);
            i++;
        }
        return close(svg);
    }

    /** Maps data coordinates to the plot area. */
    private record Frame(double x0, double x1, double y0, double y1) {
        double px(double x) {
            return LEFT + (x - x0) / (x1 - x0) * (WIDTH - LEFT - RIGHT);
        }

        double py(double y) {
            return HEIGHT - BOTTOM - (y - y0) / (y1 - y0) * (HEIGHT - TOP - BOTTOM);
        }

        void xTick(StringBuilder svg, double x, String label) {
            double px = px(x);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", px, TOP, px, HEIGHT - BOTTOM));
            svg.append(text(px, HEIGHT - BOTTOM + 16, label, "middle"));
        }

        void yTick(StringBuilder svg, double y, String label) {
            double py = py(y);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, py, WIDTH - RIGHT, py));
            svg.append(text(LEFT - 6, py + 4, label, "end"));
        }
    }

    static double x(double percentile) {
        return Math.log10(1.0 / (1.0 - percentile / 100.0));
    }

    private static StringBuilder open(String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(LEFT, 22, title, "start").replace("<text ", "<text font-size=\"15\" "));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
                LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM));
        return svg;
    }

    private static String close(StringBuilder svg) {
        return svg.append("</svg>\n").toString();
    }

    private static void line(StringBuilder svg, List<double[]> points, String color, boolean dashed) {
        if (points.isEmpty()) {
            return;
        }
        StringBuilder path = new StringBuilder();
        for (double[] p : points) {
            path.append(String.format(Locale.ROOT, "%.1f,%.1f ", p[0], p[1]));
        }
        svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>%n",
                color, dashed ? " stroke-dasharray=\"4 3\"" : "", path.toString().trim()));
    }

    private static void legend(StringBuilder svg, int index, String label, String color) {
        int y = TOP + 10 + index * 18;
        int x = WIDTH - RIGHT + 12;
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n",
                x, y, x + 18, y, color));
        svg.append(text(x + 24, y + 4, label, "start"));
    }

    private static String text(double x, double y, String content, String anchor) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>%n", x, y, anchor,
                escape(content));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String trim(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * magnitude >= v) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
