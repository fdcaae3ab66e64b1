package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading CPU time from /proc. */
class CpuMeterTest {

    @Test
    void aProcessesTimeIsUserPlusSystemEvenWithParenthesesInItsName() {
        // fields 14 (utime) = 250 and 15 (stime) = 40 of a process named "a) b"
        String stat = "4242 (a) b) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 40 0 0 20 0 30 0 123 0 0";
        assertEquals(290, CpuMeter.parseStat(stat));
    }

    @Test
    void theMachinesBusyTimeLeavesOutIdleAndIowait() {
        // user nice system idle iowait irq softirq steal guest guest_nice
        assertEquals(10 + 1 + 5 + 2 + 3 + 4, CpuMeter.parseMachine("cpu  10 1 5 1000 700 2 3 4 99 99"));
    }

    @Test
    void thisJvmUsesSomeCpuAndAMissingProcessNone() throws Exception {
        // Given this JVM and a pid that does not exist
        CpuMeter meter = new CpuMeter(Map.of("bench", List.of(CpuMeter.self()), "gone", List.of(Long.MAX_VALUE)));

        // When it measures a busy moment
        meter.start();
        long until = System.nanoTime() + 300_000_000L;
        long spin = 0;
        while (System.nanoTime() < until) {
            spin++;
        }
        Map<String, Double> cores = meter.coresSinceStart();

        // Then (on Linux) this JVM was busy, the missing process was not, and the machine at least as busy
        if (CpuMeter.ticks(CpuMeter.self()) >= 0) {
            assertTrue(cores.get("bench") > 0, cores + " after " + spin + " spins");
            assertEquals(0.0, cores.get("gone"));
            assertTrue(cores.get(CpuMeter.MACHINE) > 0, cores.toString());
        }
    }
}
