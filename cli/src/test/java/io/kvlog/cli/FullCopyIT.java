package io.kvlog.cli;

import static io.kvlog.cli.ClusterFixture.JSON;
import static io.kvlog.cli.ClusterFixture.awaitTrue;
import static io.kvlog.cli.ClusterFixture.encode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.kvlog.cli.ClusterFixture.Reply;
import io.kvlog.kafka.LocalKafkaCluster;
import io.kvlog.protocol.KvEvents;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Version 2's full copies under process faults, on one local cluster of 3 broker and 3 node
 * processes (6 partitions) shared by four scenarios, in order:
 * <ol>
 *   <li>a node SIGKILLed in the middle of a load costs the clients of the other nodes at most one
 *       retry per operation, and once restarted its copy equals the log's replay;</li>
 *   <li>a node SIGSTOPped for 10 s blocks {@code wait=all} writes only until it is no longer live
 *       (node timeout 3 s + the 1 s deadline), and catches up once continued;</li>
 *   <li>a node rebuilt after 50,000 events written straight to {@code kv.events} by a plain Kafka
 *       producer replays them and serves them;</li>
 *   <li>that node, SIGKILLed while it applies appends (one of them to a 256 KiB value, so its
 *       store holds events past the offsets Kafka Streams restarts from), re-applies none of them
 *       twice when restarted.</li>
 * </ol>
 * Every wait is bounded and generous; nothing asserts a speed (the replay rate is printed).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FullCopyIT {

    private static final int PARTITIONS = 6;
    private static ClusterFixture cluster;

    @BeforeAll
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    static void up() throws IOException {
        cluster = ClusterFixture.up("kv-fullcopy", "--partitions", Integer.toString(PARTITIONS));
        assertEquals(Set.of(1, 2, 3), cluster.nodeIds());
    }

    @AfterAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void down() {
        if (cluster != null) {
            cluster.down();
        }
    }

    // ---------------------------------------------------------------- scenario 1

    @Test
    @Order(1)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNodeKilledMidLoadCostsEachClientOperationAtMostOneRetry() throws Exception {
        // Given 4 clients in closed loops for 20 s on nodes 1 and 2, each writing its own keys
        // (wait=log, every fourth wait=applied) and reading them back linearizably
        ClosedLoad load = new ClosedLoad(40, Duration.ofSeconds(20));
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int client = 0; client < 4; client++) {
            int c = client;
            running.add(clients.submit(() -> load.run(c)));
        }
        try {
            // When node 3 is SIGKILLed 8 s into the load
            Thread.sleep(8_000);
            KvRun kill = cluster.kv("node", "kill", "3");
            assertEquals(ExitCode.OK, kill.exitCode(), kill.toString());
            assertTrue(kill.out().contains("node 3 killed"), kill.toString());
            for (Future<?> f : running) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        System.out.printf("[FullCopyIT] load: %d writes acked, %d reads, %d operations retried once%n",
                load.writes.get(), load.reads.get(), load.retried.get());

        // Then every operation succeeded, at most after one retry on the other node, and every
        // linearizable read saw its client's last acknowledged write
        assertTrue(load.writes.get() > 0 && load.reads.get() > 0, "the load ran no operation");
        assertEquals(List.of(), load.violations, "operations that failed twice or read stale data");

        // When node 3 is started again
        KvRun start = cluster.kv("node", "start", "3");
        assertEquals(ExitCode.OK, start.exitCode(), start.toString());

        // Then every node reads each key's last acknowledged write
        for (int node = 1; node <= 3; node++) {
            for (Map.Entry<String, Acked> last : load.lastAcked.entrySet()) {
                Reply read = cluster.get(node, last.getKey());
                assertEquals(200, read.status(), "node " + node + ", key " + last.getKey() + ": " + read);
                last.getValue().assertSeenBy(read, "node " + node + ", key " + last.getKey());
            }
        }
        // And a replay of the log reproduces every partition of every copy
        assertReplayMatchesEveryCopy(3);
    }

    /**
     * Clients in closed loops, client {@code c} on node 1 or 2 (its retry on the other one), each
     * with keys of its own, so the last write a client saw acknowledged is what a linearizable
     * read of that key must return.
     */
    private static final class ClosedLoad {
        final int keysPerClient;
        final long endNanos;
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger retried = new AtomicInteger();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final Map<String, Acked> lastAcked = new ConcurrentHashMap<>();

        ClosedLoad(int keysPerClient, Duration length) {
            this.keysPerClient = keysPerClient;
            this.endNanos = System.nanoTime() + length.toNanos();
        }

        void run(int client) {
            int primary = 1 + client % 2;
            int other = 3 - primary;
            Random random = new Random(1000 + client);
            // a key whose write failed twice has an unknown value: it is left out of the checks
            Set<String> unknown = new HashSet<>();
            for (int seq = 0; System.nanoTime() < endNanos; seq++) {
                String key = "load-c" + client + "-k" + random.nextInt(keysPerClient);
                if (random.nextBoolean()) {
                    String id = "load-c" + client + "-" + seq;
                    String value = "c" + client + "-v" + seq;
                    String wait = seq % 4 == 0 ? "applied" : "log";
                    Reply ack = cluster.put(primary, key, value, id, wait);
                    boolean retry = !ack.acked();
                    if (retry) {
                        retried.incrementAndGet();
                        Reply first = ack;
                        ack = cluster.put(other, key, value, id, wait);
                        if (!ack.acked()) {
                            violations.add("write " + id + " of " + key + " failed on node " + primary + " (" + first
                                    + ") and on its retry to node " + other + " (" + ack + ")");
                            unknown.add(key);
                            lastAcked.remove(key);
                            continue;
                        }
                    }
                    writes.incrementAndGet();
                    if (!unknown.contains(key)) {
                        lastAcked.put(key, new Acked(value, ack.version(), retry));
                    }
                } else {
                    Reply read = cluster.get(primary, key);
                    if (!read.answered()) {
                        retried.incrementAndGet();
                        Reply first = read;
                        read = cluster.get(other, key);
                        if (!read.answered()) {
                            violations.add("read of " + key + " failed on node " + primary + " (" + first
                                    + ") and on its retry to node " + other + " (" + read + ")");
                            continue;
                        }
                    }
                    reads.incrementAndGet();
                    if (unknown.contains(key)) {
                        continue;
                    }
                    Acked last = lastAcked.get(key);
                    if (last == null ? read.status() != 404 : !last.isSeenBy(read)) {
                        violations.add("linearizable read of " + key + " answered " + read + "; last acked write: "
                                + (last == null ? "none" : last));
                    }
                }
            }
        }
    }

    /**
     * A write acknowledged to its client. Its version is the key's only when the first attempt was
     * acked: if a failed first attempt did reach the log, a retried {@code wait=log} ack carries the
     * offset of the retry's event, which the dedupe then skips.
     */
    private record Acked(String value, long version, boolean retried) {
        boolean isSeenBy(Reply read) {
            return read.status() == 200 && value.equals(read.value())
                    && (retried || read.version() == version);
        }

        void assertSeenBy(Reply read, String where) {
            assertEquals(value, read.value(), where + ": " + read);
            if (!retried) {
                assertEquals(version, read.version(), where + ": " + read);
            }
        }
    }

    // ---------------------------------------------------------------- scenario 2

    @Test
    @Order(2)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aStoppedNodeBlocksWaitAllOnlyUntilItIsNoLongerLiveAndCatchesUpWhenContinued() throws Exception {
        // Given node 2 is live in node 1's view of the cluster
        awaitTrue("node-2 live in node 1's /v1/cluster", Duration.ofSeconds(60), () -> liveNodes(1).contains("node-2"));
        long pid = cluster.nodes().node(2).pid();
        assertTrue(cluster.nodes().isRunning(2), "node 2 is not running (pid " + pid + ")");

        List<Attempt> waitAll = new CopyOnWriteArrayList<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        Map<String, String> lastAcked = new ConcurrentHashMap<>();
        AtomicInteger retried = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(2);
        // When node 2 is SIGSTOPped for 10 s
        signal("STOP", pid);
        long stoppedAt = System.nanoTime();
        long end = stoppedAt + TimeUnit.SECONDS.toNanos(10);
        try {
            // a client writing wait=all through node 1, each write retried with its id until acked
            Future<?> allWriter = clients.submit(() -> {
                for (int i = 0; System.nanoTime() < end; i++) {
                    String key = "stop-all-" + i;
                    Reply ack;
                    do {
                        long sentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
                        ack = cluster.put(1, key, "v" + i, "stop-all-" + i, "all");
                        waitAll.add(new Attempt(key, sentMs, ack));
                    } while (!ack.acked() && System.nanoTime() < end);
                    if (ack.acked()) {
                        lastAcked.put(key, "v" + i);
                        // every live copy applied it before the ack: node 3 has it even for an eventual read
                        Reply onNode3 = getEventual(3, key);
                        if (!("v" + i).equals(onNode3.value())) {
                            failures.add("wait=all write " + key + " acked, but node 3 answers " + onNode3);
                        }
                    }
                }
            });
            // a client writing wait=applied and reading linearizably through nodes 1 and 3
            Future<?> otherClient = clients.submit(() -> {
                for (int i = 0; System.nanoTime() < end; i++) {
                    int node = i % 2 == 0 ? 1 : 3;
                    int other = 4 - node;
                    String key = "stop-rw-" + (i % 10);
                    String id = "stop-rw-" + i;
                    Reply ack = cluster.put(node, key, "w" + i, id, "applied");
                    if (!ack.acked()) {
                        retried.incrementAndGet();
                        Reply first = ack;
                        ack = cluster.put(other, key, "w" + i, id, "applied");
                        if (!ack.acked()) {
                            failures.add("write " + id + ": node " + node + " " + first + "; retry node " + other + " " + ack);
                            return;
                        }
                    }
                    String expected = "w" + i;
                    for (int reader : new int[] {1, 3}) {
                        Reply read = cluster.get(reader, key);
                        if (!read.answered()) {
                            retried.incrementAndGet();
                            read = cluster.get(4 - reader, key);
                        }
                        if (read.status() != 200 || !expected.equals(read.value())) {
                            failures.add("read of " + key + " after acked " + expected + ": " + read);
                        }
                    }
                }
            });
            allWriter.get(1, TimeUnit.MINUTES);
            otherClient.get(1, TimeUnit.MINUTES);
        } finally {
            clients.shutdownNow();
            signal("CONT", pid);
        }
        // the node timeout (3 s) plus the deadline of a write that arrived just before it (1 s)
        long lateFrom = 4_000;
        List<Attempt> notAcked = waitAll.stream().filter(a -> !a.reply().acked()).toList();
        System.out.printf("[FullCopyIT] wait=all during the stop: %d attempts, first ack sent %s ms after SIGSTOP,"
                        + " not acked: %s%n", waitAll.size(),
                waitAll.stream().filter(a -> a.reply().acked()).findFirst().map(a -> Long.toString(a.sentMs())).orElse("-"),
                notAcked);

        // Then reads and writes through nodes 1 and 3 went on (a retry on the other node at most)
        assertEquals(List.of(), failures);
        System.out.printf("[FullCopyIT] nodes 1 and 3 during the stop: %d operations retried once%n", retried.get());
        // And every wait=all write sent 4 s or more after the stop was acked at its first attempt:
        // node 2 was no longer live (its last heartbeat older than the 3 s node timeout)
        List<Attempt> late = waitAll.stream().filter(a -> a.sentMs() >= lateFrom).toList();
        assertFalse(late.isEmpty(), "no wait=all write was sent after " + lateFrom + " ms");
        assertEquals(List.of(), late.stream().filter(a -> !a.reply().acked()).toList(),
                "wait=all writes sent to node 1 more than " + lateFrom + " ms after node 2 was stopped");
        // (earlier ones may fail with OperationFailed, never with anything else)
        notAcked.forEach(a -> assertEquals("OperationFailed",
                a.reply().body() == null ? null : a.reply().body().path("result").asText(), a.toString()));

        // When node 2 has been continued, Then it catches up and is live again
        awaitTrue("node 2 caught up (lag 0) and live in node 1's /v1/cluster", Duration.ofSeconds(60),
                () -> describe(2).path("lag").asLong(-1) == 0 && liveNodes(1).contains("node-2"));
        // And it reads the writes made while it was stopped
        for (Map.Entry<String, String> acked : lastAcked.entrySet()) {
            Reply read = cluster.get(2, acked.getKey());
            assertEquals(200, read.status(), acked.getKey() + ": " + read);
            assertEquals(acked.getValue(), read.value(), acked.getKey() + ": " + read);
        }
    }

    /** One attempt of a wait=all write, {@code sentMs} after the SIGSTOP. */
    private record Attempt(String key, long sentMs, Reply reply) {
    }

    // ---------------------------------------------------------------- scenario 3

    @Test
    @Order(3)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aNodeRebuiltAfter50000EventsReplaysAndServesThem() throws Exception {
        // Given 50,000 Insert events written straight to kv.events by a plain Kafka producer
        int events = 50_000;
        long produceStart = System.nanoTime();
        produceInserts(events);
        System.out.printf("[FullCopyIT] produced %,d events in %.1f s%n", events,
                (System.nanoTime() - produceStart) / 1e9);
        // (nodes 1 and 2 follow the log live: they serve the last one)
        for (int node = 1; node <= 2; node++) {
            int n = node;
            awaitTrue("node " + node + " serves bulk-" + (events - 1), Duration.ofSeconds(120),
                    () -> bulkValue(events - 1).equals(cluster.get(n, bulkKey(events - 1)).value()));
        }

        // When node 3 is rebuilt: its copy wiped, the whole log replayed
        KvRun rebuild = cluster.kv("node", "rebuild", "3", "--timeout", "240");
        assertEquals(ExitCode.OK, rebuild.exitCode(), rebuild.toString());
        System.out.println("[FullCopyIT] " + rebuild.out().strip());

        // Then its restore replayed at least the 50,000 events
        JsonNode restore = cluster.nodeInfo(3).path("restore");
        System.out.printf("[FullCopyIT] node 3 restore: %s%n", restore);
        assertTrue(restore.path("done").asBoolean(), restore.toString());
        assertTrue(restore.path("events").asLong() >= events, restore.toString());
        // And it serves a sample of the keys linearizably with their values (as node 1 does)
        Random random = new Random(4);
        for (int s = 0; s < 300; s++) {
            int i = s == 0 ? 0 : s == 1 ? events - 1 : random.nextInt(events);
            Reply read = cluster.get(3, bulkKey(i));
            assertEquals(200, read.status(), bulkKey(i) + ": " + read);
            assertEquals(bulkValue(i), read.value(), bulkKey(i) + ": " + read);
            if (s % 10 == 0) {
                assertEquals(bulkValue(i), cluster.get(1, bulkKey(i)).value(), bulkKey(i) + " on node 1");
            }
        }
    }

    private static String bulkKey(int i) {
        return String.format("bulk-%05d", i);
    }

    private static String bulkValue(int i) {
        return "value-" + i;
    }

    /**
     * Writes {@code count} Insert events as any Kafka producer may (DESIGN.md, the log): record key
     * the UTF-8 key, value the event's JSON, acks=all, idempotent; returns once all are acked.
     */
    private static void produceInserts(int count) throws Exception {
        Map<String, Object> props = KvEvents.producerConfig(cluster.bootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                byte[] value = JSON.writeValueAsBytes(JSON.createObjectNode().put("v", 1).put("type", "Insert")
                        .put("id", "bulk-" + i).put("value", bulkValue(i)));
                producer.send(new ProducerRecord<>(Topics.EVENTS, bulkKey(i).getBytes(StandardCharsets.UTF_8), value),
                        (metadata, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new AssertionError("a produce failed", failed.get());
        }
    }

    // ---------------------------------------------------------------- scenario 4

    @Test
    @Order(4)
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aNodeKilledMidApplyAppliesNoAppendTwiceAfterItsRestart() throws Exception {
        // Given 3 keys, the last one holding a 256 KiB value: every append to it rewrites the whole
        // value, so the copies' RocksDB fills its 16 MB write buffers and flushes them to disk on its
        // own, between two of Kafka Streams' flushes (every 10 s, and only after 10,000 offsets): a
        // copy's store then holds events beyond the offsets Streams restarts from
        List<String> keys = List.of("append-0", "append-1", "append-big");
        List<String> bases = List.of("", "", ".".repeat(256 * 1024));
        Reply base = cluster.put(1, keys.get(2), bases.get(2), "append-big-base", "applied");
        assertTrue(base.acked(), base.toString());
        // When each key is appended 300 distinct characters, one request at a time for about 30 s,
        // through nodes 1 and 2
        int appends = 300;
        List<StringBuilder> acked = new ArrayList<>();
        AtomicInteger bigAcked = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        ExecutorService appenders = Executors.newFixedThreadPool(keys.size());
        List<Future<?>> running = new ArrayList<>();
        for (int k = 0; k < keys.size(); k++) {
            StringBuilder value = new StringBuilder(bases.get(k));
            acked.add(value);
            String key = keys.get(k);
            AtomicInteger progress = k == 2 ? bigAcked : new AtomicInteger();
            running.add(appenders.submit(() -> appendDistinct(key, appends, value, progress, failures)));
        }
        JsonNode before;
        try {
            // And node 3 is SIGKILLed halfway, once the large value has been appended to 150 times
            // (over 37 MB written, at least two write buffers): what it applied since its store's
            // last flush is lost with it
            awaitTrue("150 appends to append-big acked", Duration.ofSeconds(120),
                    () -> bigAcked.get() >= appends / 2 || !failures.isEmpty());
            before = cluster.nodeInfo(3);
            KvRun kill = cluster.kv("node", "kill", "3");
            assertEquals(ExitCode.OK, kill.exitCode(), kill.toString());
            for (Future<?> f : running) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            appenders.shutdownNow();
        }
        assertEquals(List.of(), failures);
        // And restarted: it replays the log from the offsets Kafka Streams last stored
        KvRun start = cluster.kv("node", "start", "3");
        assertEquals(ExitCode.OK, start.exitCode(), start.toString());
        JsonNode after = cluster.nodeInfo(3);
        System.out.printf("[FullCopyIT] node 3 before the kill: applied %s; after its restart: restore %s, counters %s%n",
                before.path("applied"), after.path("restore"), after.path("counters"));

        // Then on node 3 each key holds every acknowledged character exactly once, in ack order,
        // and the same value and version as node 1
        for (int k = 0; k < keys.size(); k++) {
            String key = keys.get(k);
            String expected = acked.get(k).toString();
            assertEquals(bases.get(k).length() + appends, expected.length(), key);
            Reply on3 = cluster.get(3, key);
            Reply on1 = cluster.get(1, key);
            assertEquals(200, on3.status(), key + " on node 3: " + on3);
            String appended = on3.value().substring(Math.min(bases.get(k).length(), on3.value().length()));
            assertEquals(appended.length(), appended.chars().distinct().count(),
                    key + " on node 3 has a character twice: " + appended);
            assertSameValue(expected, on3.value(), key + " on node 3 against its acked appends");
            assertSameValue(on1.value(), on3.value(), key + " on node 3 against node 1");
            assertEquals(on1.version(), on3.version(), key + ": version on node 1 and node 3");
        }
        // And its restart did re-read events its store already held (skipped as already applied):
        // the case where an append could have been applied twice
        assertTrue(after.path("counters").path("alreadyApplied").asLong() > 0, "node 3 re-read no event its store"
                + " held (counters.alreadyApplied 0): the crash did not leave the store past Streams' offsets,"
                + " so this run did not test what it should; " + after);
        // And a replay of the log reproduces every partition of every copy
        assertReplayMatchesEveryCopy(3);
    }

    /**
     * Appends {@code count} distinct characters (U+0100 onwards) to {@code key}, one request about
     * every 80 ms, alternately on nodes 1 and 2; a failed append is retried with its id (applied at
     * most once) until acked, up to 5 attempts. {@code acked} gets each acked character in order
     * ({@code progress} counts them); each ack's value must be {@code acked}.
     */
    private static void appendDistinct(String key, int count, StringBuilder acked, AtomicInteger progress,
                                       List<String> failures) {
        for (int i = 0; i < count; i++) {
            String suffix = Character.toString(0x100 + i);
            String id = key + "-" + i;
            Reply ack = null;
            for (int attempt = 0; attempt < 5 && (ack == null || !ack.acked()); attempt++) {
                ack = cluster.append(1 + (i + attempt) % 2, key, suffix, id);
            }
            if (!ack.acked()) {
                failures.add("append " + id + " not acked after 5 attempts: " + ack);
                return;
            }
            acked.append(suffix);
            if (!acked.toString().equals(ack.value())) {
                failures.add("append " + id + " acked a value of " + (ack.value() == null ? "null" : ack.value().length())
                        + " chars ending " + tail(ack.value()) + ", expected " + acked.length() + " ending " + tail(acked));
                return;
            }
            progress.incrementAndGet();
            LocalNodes.sleep(80);
        }
    }

    /** assertEquals for values too long to print: says where they first differ. */
    private static void assertSameValue(String expected, String actual, String what) {
        assertNotNull(actual, what);
        int at = 0;
        while (at < Math.min(expected.length(), actual.length()) && expected.charAt(at) == actual.charAt(at)) {
            at++;
        }
        if (at < expected.length() || at < actual.length()) {
            throw new AssertionError(what + ": " + expected.length() + " chars expected, " + actual.length()
                    + " found; they differ from index " + at + ": expected " + tail(expected.substring(0, Math.min(
                    expected.length(), at + 10))) + ", found " + tail(actual.substring(0, Math.min(actual.length(), at + 10))));
        }
    }

    private static String tail(CharSequence value) {
        return value == null ? "null" : "'" + value.subSequence(Math.max(0, value.length() - 20), value.length()) + "'";
    }

    // ---------------------------------------------------------------- shared

    /** Replays every partition of the log and asserts every running copy's digest equals the replay's. */
    private static void assertReplayMatchesEveryCopy(int runningNodes) throws InterruptedException {
        List<String> lines = new ArrayList<>();
        LocalKafkaCluster kafka = LocalKafkaCluster.open(cluster.data);
        LogReplay.Result result = new LogReplay(kafka, new LocalNodes(kafka)).run(null, true, p -> { }, lines::add);
        System.out.printf("[FullCopyIT] replayed %d events in %.1f s%n", result.events(),
                result.elapsed().toNanos() / 1e9);
        assertEquals(PARTITIONS, result.partitions().size(), String.join("\n", lines));
        assertEquals(PARTITIONS * runningNodes, result.count(LogReplay.CopyVerdict.Kind.MATCHES), String.join("\n", lines));
    }

    private static Reply getEventual(int node, String key) {
        return cluster.get(node, "/v1/kv/%s?consistency=eventual", encode(key));
    }

    /** GET /v1/node; a missing node if it does not answer 200. */
    private static JsonNode describe(int node) {
        Reply reply = cluster.send(HttpRequest.newBuilder(cluster.uri(node, "/v1/node")).GET());
        return reply.status() == 200 ? reply.body() : MissingNode.getInstance();
    }

    /** The ids ("node-N") of the live nodes in {@code node}'s GET /v1/cluster; empty if it does not answer. */
    private static List<String> liveNodes(int node) {
        Reply reply = cluster.send(HttpRequest.newBuilder(cluster.uri(node, "/v1/cluster")).GET());
        if (reply.status() != 200) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        reply.body().path("nodes").forEach(n -> ids.add(n.path("id").asText()));
        return ids;
    }

    /** Sends a signal to one process, by its pid only. */
    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill -" + signal + " " + pid + " did not return");
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, kill.exitValue(), "kill -" + signal + " " + pid + ": " + out);
    }
}
