package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class TimeArgsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneId.of("Europe/Paris"));

    @Test
    void durationsShortOrIso() {
        assertEquals(Duration.ofMillis(500), TimeArgs.duration("500ms"));
        assertEquals(Duration.ofSeconds(10), TimeArgs.duration("10s"));
        assertEquals(Duration.ofMinutes(5), TimeArgs.duration("5M"));
        assertEquals(Duration.ofHours(2), TimeArgs.duration("2h"));
        assertEquals(Duration.ofDays(1), TimeArgs.duration("1d"));
        assertEquals(Duration.ofSeconds(90), TimeArgs.duration("PT1M30S"));
        assertEquals("1m30s", TimeArgs.format(Duration.ofSeconds(90)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeArgs.duration("5 min"));
        assertEquals("not a duration: '5 min'; expected e.g. 500ms, 10s, 5m, 2h, 1d or PT10S", e.getMessage());
    }

    @Test
    void instantsWithAZoneLocalOrAgo() {
        assertEquals(Instant.parse("2026-12-02T05:00:00.250Z"), TimeArgs.instant("2026-12-02T05:00:00.250Z", CLOCK));
        assertEquals(Instant.parse("2026-12-02T05:00:00Z"), TimeArgs.instant("2026-12-02T06:00:00+01:00", CLOCK));
        assertEquals(Instant.parse("2026-12-02T05:00:00Z"), TimeArgs.instant("2026-12-02T06:00:00", CLOCK));
        assertEquals(Instant.parse("2026-12-02T05:55:00Z"), TimeArgs.instant("-5m", CLOCK));
        assertEquals(Instant.parse("2026-12-01T06:00:00Z"), TimeArgs.instant("-1d", CLOCK));
        assertThrows(IllegalArgumentException.class, () -> TimeArgs.instant("2026-12-02", CLOCK));
        assertThrows(IllegalArgumentException.class, () -> TimeArgs.instant("-", CLOCK));
    }
}
