package io.kvlog.cli.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Latency figures of one run in milliseconds, taken from an HdrHistogram of nanoseconds: the
 * usual percentiles and a percentile curve for plotting (percentiles 0, 90, 99, 99.9 ... spaced
 * evenly on a log scale of 1/(1-p), up to the percentile the sample count can resolve).
 */
public record LatencySummary(long count, double meanMs, double p50Ms, double p90Ms, double p99Ms, double p999Ms,
                             double maxMs, List<Point> curve) {

    /** One point of the percentile curve. */
    public record Point(double percentile, double ms) {
    }

    public LatencySummary {
        curve = List.copyOf(curve);
    }

    public static LatencySummary of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, List.of());
        }
        List<Point> curve = new ArrayList<>();
        // five points per decade of 1/(1-p): 0, 36.9, 60.2, 74.9, 84.2, 90, ... 99.999
        double resolvable = 100.0 * (1.0 - 1.0 / nanos.getTotalCount());
        for (int i = 0; i <= 25; i++) {
            double p = 100.0 * (1.0 - Math.pow(10, -i / 5.0));
            if (i > 0 && p > resolvable) {
                break;
            }
            curve.add(new Point(p, ms(nanos.getValueAtPercentile(p))));
        }
        curve.add(new Point(100.0, ms(nanos.getMaxValue())));
        return new LatencySummary(nanos.getTotalCount(), nanos.getMean() / 1e6,
                ms(nanos.getValueAtPercentile(50)), ms(nanos.getValueAtPercentile(90)),
                ms(nanos.getValueAtPercentile(99)), ms(nanos.getValueAtPercentile(99.9)),
                ms(nanos.getMaxValue()), curve);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
