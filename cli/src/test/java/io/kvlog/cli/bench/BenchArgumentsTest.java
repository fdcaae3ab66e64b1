package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kvlog.cli.ExitCode;
import io.kvlog.cli.Kv;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad {@code kv bench} arguments fail before anything starts, with exit 2 and a message naming the value. */
class BenchArgumentsTest {

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "--connections 0;connections: must be 1-10000, got 0",
            "--keys 0;keys: must be >= 1, got 0",
            "--value-size 0;value size: must be 1 B - 1 MiB, got 0",
            "--duration 0;duration: must be >= 1 second, got 0",
            "--prime -1;prime: must be >= 0 seconds, got -1",
            "--rate -5;rate: must be >= 0 requests/s (0 = closed loop), got -5",
            "--reads 101;read percent: must be 0-100, got 101",
            "--consistency strong;consistency: must be one of [linearizable, session, eventual], got 'strong'",
            "--wait disk;wait: must be one of [log, applied, all], got 'disk'",
            "--suite huge;suite: must be one of [standard, quick, acks, none], got 'huge'",
            "--baseline redis;--baseline: must be kafka, http-null or etcd=URL[,URL...], got 'redis'",
            "--baseline etcd=localhost;--baseline etcd=: must be http://HOST:PORT, got 'localhost'",
            "--scenarios replay,chaos;--scenarios: must be a list of [replay, rebuild, node-kill, node-stop, broker-kill, watch, history, client, security] or all, got 'chaos'",
            "--security-rounds 0;--security-rounds: must be 1-1000, got 0",
            "--security-seconds 0;--security-seconds: must be 1-60, got 0",
            "--watch-rate 0;--watch-rate: must be 1-100000 writes/s, got 0",
            "--watchers 1,0;--watchers: each count must be 1-1000, got 0",
            "--watchers 1,1001;--watchers: each count must be 1-1000, got 1001",
            "--watchers 1,x;Invalid value for option '--watchers'",
            "--catch-up-events 0;--catch-up-events: must be 1-10000000, got 0",
            "--history-versions 0;--history-versions: must be 1-100000, got 0",
            "--history-reads -1;--history-reads: must be 1-100000, got -1",
            "-H ftp://x:1;-H: must be http://HOST:PORT, got 'ftp://x:1'",
            "--start-etcd --baseline etcd=http://127.0.0.1:2379;--start-etcd and --baseline etcd=URL exclude each other",
    })
    void rejectsBadArgumentsWithUsageExit(String args, String message) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] argv = ("bench --data target/no-such-cluster " + args).split(" ");

        int code = Kv.execute(new PrintWriter(out, true), new PrintWriter(err, true), argv);

        assertEquals(ExitCode.USAGE, code, err.toString());
        assertTrue(err.toString().contains(message), err.toString());
    }

    @org.junit.jupiter.api.Test
    void watchAndHistoryHaveIssue13sSizesByDefaultAndTakeSmallerOnes() {
        // Given no watch options, then small ones
        BenchCommand defaults = parse("--scenarios", "watch,history");
        BenchCommand small = parse("--scenarios", "all", "--watch-rate", "200", "--watchers", "1,3",
                "--catch-up-events", "2000", "--history-versions", "150", "--history-reads", "10");

        // When they are planned
        BenchCommand.Plan planned = defaults.plan();
        BenchCommand.Plan smaller = small.plan();

        // Then the defaults are issue 13's measure and the small ones are taken as given
        assertEquals(new WatchSettings(2000, java.util.List.of(1, 100), 100_000, 1000, 200), planned.watch());
        assertEquals(java.util.List.of("watch", "history"), planned.scenarios());
        assertEquals(new WatchSettings(200, java.util.List.of(1, 3), 2000, 150, 10), smaller.watch());
        assertEquals(1, smaller.watch().walks());
        assertEquals(BenchCommand.SCENARIOS, smaller.scenarios());
    }

    private static BenchCommand parse(String... args) {
        BenchCommand command = new BenchCommand();
        new picocli.CommandLine(command).parseArgs(args);
        return command;
    }

    @org.junit.jupiter.api.Test
    void withoutAClusterOrHostsItSaysWhereItLooked() {
        StringWriter err = new StringWriter();
        int code = Kv.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "bench", "--data", "target/no-such-cluster", "--duration", "1");
        assertEquals(ExitCode.UNREACHABLE, code, err.toString());
        assertTrue(err.toString().contains("no cluster in"), err.toString());
    }
}
