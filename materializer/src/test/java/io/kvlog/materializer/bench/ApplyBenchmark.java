package io.kvlog.materializer.bench;

import io.kvlog.materializer.Applier;
import io.kvlog.materializer.ApplyCounters;
import io.kvlog.materializer.LogRecord;
import io.kvlog.materializer.internal.SortedMapTable;
import io.kvlog.materializer.internal.StoredForms;
import io.kvlog.protocol.Event;
import io.kvlog.protocol.EventCodec;
import io.kvlog.protocol.Expect;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * CPU cost of applying: the {@link Applier} with its codecs over in-memory tables, one thread,
 * no Kafka and no RocksDB: the ceiling of what a stream thread can apply. (A
 * {@code TopologyTestDriver} is no good here: it commits and flushes RocksDB after every record.)
 * The end-to-end figure with Kafka Streams and RocksDB is GuaranteeBenchmark's (with a cluster). Not a test.
 *
 * <p>Run from {@code materializer/}, after {@code mvn test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test}:
 * {@code java -cp "$(cat target/cp.txt):target/classes:target/test-classes" io.kvlog.materializer.bench.ApplyBenchmark [events] [keys]}
 */
public final class ApplyBenchmark {

    public static void main(String[] args) {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        List<byte[][]> records = workload(events, keys, new Random(42));
        for (int round = 1; round <= 3; round++) { // the first round warms the JIT up
            SortedMapTable entries = new SortedMapTable();
            SortedMapTable outcomes = new SortedMapTable();
            Applier applier = new Applier(StoredForms.entries(entries), StoredForms.outcomes(outcomes),
                    Duration.ofHours(24));
            ApplyCounters counters = new ApplyCounters();
            long start = System.nanoTime();
            for (int i = 0; i < records.size(); i++) {
                counters.count(applier.apply(new LogRecord(0, i, i, records.get(i)[0], records.get(i)[1])));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("round %d: applier in memory, 1 thread: %d events over %d keys in %.2f s = %.0f events/s"
                    + " (%s)%n", round, events, keys, seconds, events / seconds, counters);
        }
    }

    /** A write mix like a busy key-value store: mostly inserts, some appends, removes and conditions. */
    static List<byte[][]> workload(int events, int keys, Random random) {
        String value = "v".repeat(100);
        List<byte[][]> records = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            String id = "bench-" + i;
            int pick = random.nextInt(100);
            Event event;
            if (pick < 70) {
                event = Event.insert(id, value);
            } else if (pick < 80) {
                event = Event.append(id, "+");
            } else if (pick < 90) {
                event = Event.remove(id);
            } else {
                event = Event.insert(id, value).expecting(Expect.version(0));
            }
            byte[] key = ("key-" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8);
            records.add(new byte[][] {key, EventCodec.encode(event)});
        }
        return records;
    }

    private ApplyBenchmark() {
    }
}
