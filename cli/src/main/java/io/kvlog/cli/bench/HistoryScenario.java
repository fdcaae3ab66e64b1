package io.kvlog.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.protocol.KvEvents;
import io.kvlog.protocol.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The {@code history} scenario (issue 13, "Measure"): one key gets N versions, each put followed
 * by nine puts to other keys of the same partition (so its versions lie spread over the
 * partition, ten offsets apart), all written straight to the log and applied by every node.
 * Then, one request at a time on the first node, each timed from send to the whole reply:
 * <ul>
 *   <li>{@code history-page-100}: {@code GET /v1/kv/K/history?limit=100}, the newest page;</li>
 *   <li>{@code history-walk-N}: every version, page after page of 100 ({@code before=} the last page's {@code next});</li>
 *   <li>{@code get-version}: {@code GET /v1/kv/K?version=V} of a random version;</li>
 *   <li>{@code get-as-of}: {@code GET /v1/kv/K?as-of=T} of a random moment between the key's first and last write;</li>
 *   <li>{@code get-same-key}: a plain linearizable {@code GET /v1/kv/K}, for comparison.</li>
 * </ul>
 * Every reply is checked (versions, values, order) outside its timing; a wrong one is an error,
 * not a latency. Each kind has a short unmeasured warm-up and stops after {@link #KIND_LIMIT}.
 */
public final class HistoryScenario {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration KIND_LIMIT = Duration.ofSeconds(60);
    private static final int FILLERS_PER_VERSION = 9;
    private static final int WARM_UP = 20;

    private final Consumer<String> progress;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SplittableRandom random = new SplittableRandom(13);

    public HistoryScenario(Consumer<String> progress) {
        this.progress = progress;
    }

    /** The key's versions as written: version, value and record time of each, oldest first. */
    record Written(long[] versions, String[] values, long[] times) {
        int size() {
            return versions.length;
        }

        /** The newest version whose record time is before (strictly) or at (inclusive) {@code time}; -1 if none. */
        int lastAt(long time, boolean inclusive) {
            int found = -1;
            for (int i = 0; i < times.length; i++) {
                if (times[i] < time || (inclusive && times[i] == time)) {
                    found = i;
                }
            }
            return found;
        }
    }

    /** @param security settings the producer adds to its own (a secured cluster's SASL settings) */
    public ScenarioOutcome run(String bootstrapServers, Map<String, Object> security, List<URI> nodes, int partitions,
                               WatchSettings settings, int valueBytes) throws InterruptedException {
        progress.accept("history: " + WatchScenario.SHARED_CORES);
        String run = Long.toString(System.currentTimeMillis(), 36);
        String key = "history-" + run + "/key";
        int partition = Topics.partitionOf(key, partitions);
        List<String> fillers = new ArrayList<>();
        for (int i = 0; fillers.size() < 50; i++) {
            String filler = "history-" + run + "/other-" + i;
            if (Topics.partitionOf(filler, partitions) == partition) {
                fillers.add(filler);
            }
        }
        int n = settings.historyVersions();
        String pad = "h".repeat(Math.max(0, valueBytes - 8));
        String[] values = new String[n];
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int v = 0; v < n; v++) {
            values[v] = v + "-" + pad;
            records.add(KvEvents.insert(key, values[v], "h-" + run + "-" + v));
            for (int f = 0; f < FILLERS_PER_VERSION; f++) {
                records.add(KvEvents.insert(fillers.get((v * FILLERS_PER_VERSION + f) % fillers.size()), pad,
                        "hf-" + run + "-" + v + "-" + f));
            }
        }
        RecordMetadata[] metadata = DirectWrites.produce(bootstrapServers, security, records, progress);
        long[] versions = new long[n];
        long[] times = new long[n];
        for (int v = 0; v < n; v++) {
            RecordMetadata m = metadata[v * (1 + FILLERS_PER_VERSION)];
            versions[v] = m.offset() + 1;
            times[v] = m.timestamp();
        }
        Written written = new Written(versions, values, times);
        DirectWrites.awaitApplied(http, nodes, DirectWrites.lastOffsets(metadata), Duration.ofSeconds(120), progress);
        URI node = nodes.get(0);
        String path = node.resolve("/v1/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8)).toString();
        progress.accept(String.format(Locale.ROOT, "history: '%s' has %d versions (%d..%d) in partition %d, written"
                + " over %d ms; reading it on %s", key, n, versions[0], versions[n - 1], partition,
                times[n - 1] - times[0], node));

        int reads = settings.historyReads();
        AsOfTally asOf = new AsOfTally();
        List<WorkloadResult> results = new ArrayList<>();
        results.add(measure("history-page-" + WatchSettings.PAGE, reads,
                i -> get(path + "/history?limit=" + WatchSettings.PAGE),
                (i, reply) -> checkPage((Reply) reply, written, n - 1)));
        results.add(measure("history-walk-" + n, settings.walks(), i -> walk(path, written),
                (i, reply) -> (String) reply));
        long[] picked = new long[1];
        results.add(measure("get-version", reads, i -> {
            int v = random.nextInt(n);
            picked[0] = v;
            return get(path + "?version=" + versions[v]);
        }, (i, reply) -> checkValue((Reply) reply, written, (int) picked[0])));
        long[] moment = new long[1];
        results.add(measure("get-as-of", reads, i -> {
            moment[0] = times[0] + (times[n - 1] > times[0] ? random.nextLong(times[n - 1] - times[0] + 1) : 0);
            return get(path + "?as-of=" + Instant.ofEpochMilli(moment[0]));
        }, (i, reply) -> asOf.check((Reply) reply, written, moment[0])));
        results.add(measure("get-same-key", reads, i -> get(path),
                (i, reply) -> checkValue((Reply) reply, written, n - 1)));

        Map<String, Object> details = new LinkedHashMap<>();
        details.put("key", key);
        details.put("node", node.toString());
        details.put("partition", partition);
        details.put("versions", n);
        details.put("offsetsBetweenVersions", 1 + FILLERS_PER_VERSION);
        details.put("firstVersion", versions[0]);
        details.put("lastVersion", versions[n - 1]);
        details.put("writeSpanMillis", times[n - 1] - times[0]);
        details.put("asOfRepliesBeforeMoment", asOf.strict);
        details.put("asOfRepliesAtMoment", asOf.inclusive);
        details.put("asOfRepliesBoth", asOf.both);
        details.put("cores", WatchScenario.SHARED_CORES);
        return new ScenarioOutcome(results, List.of(new ScenarioResult("history", "versions", n, details)));
    }

    /** A reply: status and body. */
    record Reply(int status, String body) {
    }

    interface Op {
        Object call(int i) throws IOException, InterruptedException;
    }

    interface Check {
        /** What is wrong with the reply, or null. */
        String problem(int i, Object reply);
    }

    /**
     * Runs {@code op} {@link #WARM_UP} times unmeasured, then {@code count} times (or until
     * {@link #KIND_LIMIT}), one at a time; each call is timed, then checked.
     */
    private WorkloadResult measure(String name, int count, Op op, Check check) throws InterruptedException {
        Histogram latency = new Histogram(Duration.ofHours(1).toNanos(), 3);
        Map<String, Long> errors = new TreeMap<>();
        for (int i = 0; i < Math.min(WARM_UP, count); i++) {
            call(op, check, i, null, errors);
        }
        errors.clear();
        long start = System.nanoTime();
        long stop = start + KIND_LIMIT.toNanos();
        int done = 0;
        for (int i = 0; i < count && System.nanoTime() < stop; i++) {
            call(op, check, i, latency, errors);
            done++;
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LatencySummary summary = LatencySummary.of(latency);
        progress.accept(String.format(Locale.ROOT, "history %-18s %5d requests in %6.2f s: p50 %7.2f ms  p99 %7.2f ms"
                + "  max %7.2f ms  errors %s", name, done, seconds, summary.p50Ms(), summary.p99Ms(), summary.maxMs(),
                errors.isEmpty() ? "0" : errors));
        return new WorkloadResult("kvlog", name, "closed", 1, seconds, summary.count(), summary.count() / seconds,
                summary, errors, List.of());
    }

    private static void call(Op op, Check check, int i, Histogram latency, Map<String, Long> errors)
            throws InterruptedException {
        long sent = System.nanoTime();
        Object reply;
        try {
            reply = op.call(i);
        } catch (IOException e) {
            errors.merge(Recording.kindOf(e), 1L, Long::sum);
            return;
        }
        long took = System.nanoTime() - sent;
        String problem = check.problem(i, reply);
        if (problem != null) {
            errors.merge(problem, 1L, Long::sum);
        } else if (latency != null) {
            latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
        }
    }

    private Reply get(String url) throws IOException, InterruptedException {
        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(reply.statusCode(), reply.body());
    }

    /** Every version, newest first, page by page: null if the walk saw exactly what was written, else what was wrong. */
    private String walk(String path, Written written) throws IOException, InterruptedException {
        int expected = written.size() - 1;
        String before = null;
        for (int page = 0; page <= written.size() / WatchSettings.PAGE + 1; page++) {
            Reply reply = get(path + "/history?limit=" + WatchSettings.PAGE + (before == null ? "" : "&before=" + before));
            if (reply.status() != 200) {
                return "status " + reply.status();
            }
            JsonNode body = JSON.readTree(reply.body());
            for (JsonNode item : body.path("items")) {
                if (expected < 0 || item.path("version").asLong() != written.versions()[expected]
                        || !written.values()[expected].equals(item.path("value").asText(null))) {
                    return "walk: wrong version or value";
                }
                expected--;
            }
            if (body.path("next").isNull() || body.path("next").isMissingNode()) {
                return expected == -1 ? null : "walk: ended early";
            }
            before = body.path("next").asText();
        }
        return "walk: did not end";
    }

    /** The first page: the newest {@value WatchSettings#PAGE} versions, newest first, with their values. */
    private static String checkPage(Reply reply, Written written, int newest) {
        if (reply.status() != 200) {
            return "status " + reply.status();
        }
        try {
            JsonNode items = JSON.readTree(reply.body()).path("items");
            if (items.size() != Math.min(WatchSettings.PAGE, written.size())) {
                return "page: wrong size";
            }
            for (int j = 0; j < items.size(); j++) {
                if (items.get(j).path("version").asLong() != written.versions()[newest - j]
                        || !written.values()[newest - j].equals(items.get(j).path("value").asText(null))) {
                    return "page: wrong version or value";
                }
            }
            return null;
        } catch (IOException e) {
            return "unreadable reply";
        }
    }

    /** A GetResult of version {@code index} with its value. */
    private static String checkValue(Reply reply, Written written, int index) {
        if (reply.status() != 200) {
            return "status " + reply.status();
        }
        try {
            JsonNode body = JSON.readTree(reply.body());
            if (body.path("version").asLong() != written.versions()[index]
                    || !written.values()[index].equals(body.path("value").asText(null))) {
                return "wrong version or value";
            }
            return null;
        } catch (IOException e) {
            return "unreadable reply";
        }
    }

    /**
     * Checks as-of replies against the record times of the writes and counts which reading of
     * "the value at T" each matched: the last write stamped before T, or at or before T (the same
     * when no write of the key is stamped exactly T).
     */
    static final class AsOfTally {
        long strict;
        long inclusive;
        long both;

        String check(Reply reply, Written written, long moment) {
            int before = written.lastAt(moment, false);
            int at = written.lastAt(moment, true);
            long version;
            String value;
            if (reply.status() == 404) {
                version = -1;
                value = null;
            } else if (reply.status() == 200) {
                try {
                    JsonNode body = JSON.readTree(reply.body());
                    version = body.path("version").asLong();
                    value = body.path("value").asText(null);
                } catch (IOException e) {
                    return "unreadable reply";
                }
            } else {
                return "status " + reply.status();
            }
            boolean isBefore = matches(written, before, version, value);
            boolean isAt = matches(written, at, version, value);
            if (isBefore && isAt) {
                both++;
            } else if (isBefore) {
                strict++;
            } else if (isAt) {
                inclusive++;
            } else {
                return "as-of: neither the last write before nor at the moment";
            }
            return null;
        }

        private static boolean matches(Written written, int index, long version, String value) {
            return index < 0 ? version < 0
                    : version == written.versions()[index] && written.values()[index].equals(value);
        }
    }
}
