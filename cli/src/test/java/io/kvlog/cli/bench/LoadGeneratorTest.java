package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.kafka.internal.Ports;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generator against an in-process null server: ops and errors are counted, not timed. */
class LoadGeneratorTest {

    private static NullHttpServer server;
    private static LoadGenerator generator;

    @BeforeAll
    static void start() {
        server = new NullHttpServer();
        generator = new LoadGenerator(1);
    }

    @AfterAll
    static void stop() {
        generator.close();
        server.close();
    }

    @Test
    void closedLoopCountsSuccessesOfTheMeasuredSecondsOnly() throws Exception {
        LoadSettings settings = new LoadSettings(4, 100, 10, 1, 1, 0, 5000, 0);
        WorkloadResult result = generator.run(server.target(), new Workload("mix", 50, "linearizable", "log"),
                settings, line -> { });

        assertTrue(result.ops() > 0, result.toString());
        assertEquals(0, result.errorCount(), result.errors().toString());
        assertEquals(2, result.timeline().size());
        assertTrue(result.timeline().get(0).warmup());
        assertEquals(result.timeline().get(1).ops(), result.ops());
    }

    @Test
    void byKindRecordsReadsAndWritesApart() throws Exception {
        // two seconds of warm-up: a cold JVM on a loaded machine can take over one to answer at all
        LoadSettings settings = new LoadSettings(4, 100, 10, 2, 1, 0, 5000, 0);
        LoadGenerator.ByKind byKind = new LoadGenerator.ByKind(new Recording(), new Recording());

        WorkloadResult result = generator.run(server.target(), new Workload("mix", 50, "linearizable", "log"),
                settings, byKind, line -> { });
        byKind.reads().tick(1, false);
        byKind.writes().tick(1, false);

        long reads = byKind.reads().total().getTotalCount();
        long writes = byKind.writes().total().getTotalCount();
        assertTrue(reads > 0 && writes > 0, reads + " reads, " + writes + " writes");
        // the measured second's replies only: no more than the whole run's (warm-up included)
        long all = result.timeline().stream().mapToLong(WorkloadResult.Second::ops).sum();
        assertTrue(reads + writes <= all + settings.connections(), reads + writes + " vs " + result.timeline());
    }

    @Test
    void openLoopSendsOnScheduleAndPreloadWritesEveryKey() throws Exception {
        LoadSettings settings = new LoadSettings(4, 50, 10, 0, 1, 200, 5000, 0);
        generator.preload(server.target(), settings, new Workload("preload", 0, "linearizable", "all"), line -> { });

        WorkloadResult result = generator.run(server.target(), new Workload("get", 100, "eventual", "log"),
                settings, line -> { });

        assertEquals("open 200/s", result.mode());
        // 200 requests are due in the second, no more are sent (how many complete within it depends on the machine)
        assertTrue(result.ops() > 0 && result.ops() <= 201, result.toString());
        assertEquals(0, result.errorCount(), result.errors().toString());
    }

    @Test
    void aServerThatIsNotThereCountsConnectionErrors() throws Exception {
        URI nowhere = URI.create("http://127.0.0.1:" + Ports.free(1).get(0));
        LoadSettings settings = new LoadSettings(2, 10, 10, 0, 1, 0, 2000, 0);

        WorkloadResult result = generator.run(new KvlogApi(List.of(nowhere)), new Workload("write", 0, "linearizable", "log"),
                settings, line -> { });

        assertEquals(0, result.ops());
        assertTrue(result.errors().getOrDefault("connection", 0L) > 0, result.errors().toString());
    }
}
