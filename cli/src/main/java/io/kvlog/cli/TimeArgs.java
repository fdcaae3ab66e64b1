package io.kvlog.cli;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Times and durations as the client commands take them: a duration as {@code 500ms}, {@code 10s},
 * {@code 5m}, {@code 2h}, {@code 1d} or ISO-8601 ({@code PT10S}); an instant as ISO-8601 with a
 * zone ({@code 2026-12-02T06:00:00Z}, {@code …+01:00}), a local date-time in this machine's time
 * zone ({@code 2026-12-02T07:00:00}), or a time before now on this machine's clock ({@code -5m}).
 */
final class TimeArgs {

    private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private TimeArgs() {
    }

    static Duration duration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(t);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "'; expected e.g. 500ms, 10s, 5m, 2h, 1d or PT10S");
        }
    }

    /** A duration as a person writes it: 10s, 5m, 1h30m, 0.5s. */
    static String format(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    static Instant instant(String text, Clock clock) {
        String t = text.strip();
        if (t.startsWith("-")) {
            // to the millisecond, as the log's times are
            return clock.instant().minus(duration(t.substring(1))).truncatedTo(ChronoUnit.MILLIS);
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException notWithZone) {
            try {
                return LocalDateTime.parse(t).atZone(clock.getZone()).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a time: '" + text + "'; expected an ISO-8601 instant"
                        + " (2026-12-02T06:00:00Z), a local date-time (2026-12-02T07:00:00) or a time ago (-5m)");
            }
        }
    }

    /** Picocli's converter for a duration option. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return duration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Picocli's converter for a time option, on this machine's clock and zone. */
    static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return instant(value, Clock.systemDefaultZone());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
