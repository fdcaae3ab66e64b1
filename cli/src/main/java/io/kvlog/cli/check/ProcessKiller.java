package io.kvlog.cli.check;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fault injector: in a thread of its own, every {@code every} it SIGKILLs one broker or node
 * chosen with a seeded {@link Random}, and restarts it {@code downFor} later; each kill and
 * restart goes to the {@link FaultLog} with its time. At most one victim is down at a time.
 *
 * <p>{@link #close()} stops the loop, restarts the current victim if it is down and rethrows
 * whatever failed in the loop (a restart that did not come up fails the scenario, loudly).
 */
public final class ProcessKiller implements AutoCloseable {

    /** What is killed. */
    public enum Target { BROKER, NODE }

    private final CheckCluster cluster;
    private final Target target;
    private final Random random;
    private final Duration every;
    private final Duration downFor;
    private final FaultLog log;
    private final Thread thread;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private volatile boolean stopped;
    private volatile int down; // the victim now down (or restarting), 0 if none
    private final java.util.concurrent.atomic.AtomicInteger cycles = new java.util.concurrent.atomic.AtomicInteger();

    private ProcessKiller(CheckCluster cluster, Target target, Random random, Duration every, Duration downFor,
                          FaultLog log) {
        this.cluster = cluster;
        this.target = target;
        this.random = random;
        this.every = every;
        this.downFor = downFor;
        this.log = log;
        this.thread = new Thread(this::loop, "kv-check-kill-" + target.name().toLowerCase());
        this.thread.setDaemon(true);
    }

    /** Starts killing; the first kill comes {@code every} after this call. */
    public static ProcessKiller start(CheckCluster cluster, Target target, Random random, Duration every,
                                      Duration downFor, FaultLog log) {
        ProcessKiller killer = new ProcessKiller(cluster, target, random, every, downFor, log);
        killer.thread.start();
        return killer;
    }

    private void loop() {
        try {
            while (!stopped) {
                if (!pause(every)) {
                    return;
                }
                List<Integer> ids = target == Target.BROKER ? cluster.brokerIds() : cluster.nodeIds();
                int victim = ids.get(random.nextInt(ids.size()));
                down = victim;
                long pid = target == Target.BROKER ? cluster.killBroker(victim) : cluster.killNode(victim);
                log.record("SIGKILL " + name(victim) + (pid == 0 ? " (was not running)" : " (pid " + pid + ")"));
                pause(downFor);
                restart(victim);
            }
        } catch (RuntimeException e) {
            failure.set(e);
        }
    }

    private void restart(int victim) {
        if (target == Target.BROKER) {
            cluster.startBroker(victim);
            log.record("restarted " + name(victim) + " (pid " + cluster.kafka().state().broker(victim).orElseThrow().pid()
                    + "), rejoined");
        } else {
            log.record("restarted " + name(victim) + " (pid " + cluster.startNode(victim) + ")");
        }
        down = 0;
        cycles.incrementAndGet();
    }

    /** Kill-and-restart cycles completed so far. */
    public int cycles() {
        return cycles.get();
    }

    /**
     * True while no victim is down or restarting (a broker's restart ends when it has rejoined), or
     * once the injector has failed (it injects nothing more; {@link #close()} reports it).
     */
    public boolean idle() {
        return down == 0 || failure.get() != null;
    }

    /** True once at least {@code minCycles} cycles are done and none is under way: a good moment to stop the load. */
    public boolean settledAfter(int minCycles) {
        return failure.get() != null || (idle() && cycles() >= minCycles);
    }

    private String name(int id) {
        return (target == Target.BROKER ? "broker " : "node ") + id;
    }

    /** Sleeps; false if stopped meanwhile. */
    private boolean pause(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (!stopped && System.nanoTime() < end) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !stopped;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(Duration.ofMinutes(4).toMillis());
        if (thread.isAlive()) {
            throw new IllegalStateException(thread.getName() + " did not stop within 4 minutes (a restart hangs?)");
        }
        if (down != 0 && failure.get() == null) {
            restart(down);
        }
        if (failure.get() != null) {
            throw new IllegalStateException(target.name().toLowerCase() + " fault injector failed: "
                    + failure.get().getMessage(), failure.get());
        }
    }
}
