package io.kvlog.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvlog.client.Consistency;
import io.kvlog.client.GetResult;
import io.kvlog.client.KvClient;
import io.kvlog.client.OperationAck;
import io.kvlog.client.ReadOptions;
import io.kvlog.client.WriteOptions;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The {@code client} scenario (issue 14): what {@link KvClient} costs per call over the same
 * request sent as raw HTTP with the JDK's client. One request at a time to the first node, the
 * two alternating in rounds (so drift on this shared machine hits both alike): a put
 * ({@code wait=log}) and a linearizable get each way; then the client's default read (session)
 * for reference. The client is pinned to the node (no discovery, no spreading), so both send the
 * same request to the same node; its overhead is the id it makes, the typed result it parses,
 * the session it keeps and its failover bookkeeping. Every reply is checked outside its timing.
 */
public final class ClientScenario {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 10;
    private static final int WARM_UP = 200;

    private final Consumer<String> progress;

    public ClientScenario(Consumer<String> progress) {
        this.progress = progress;
    }

    /** {@code calls} of each kind, in {@value #ROUNDS} alternating rounds. */
    public ScenarioOutcome run(URI node, int calls, int valueBytes) throws IOException, InterruptedException {
        progress.accept("client: " + WatchScenario.SHARED_CORES);
        String run = Long.toString(System.currentTimeMillis(), 36);
        String value = "c".repeat(Math.max(1, valueBytes));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, Kind> kinds = new LinkedHashMap<>();
        try (KvClient client = KvClient.builder(node.toString()).discover(false).spread(false).build()) {
            String base = node.toString().replaceAll("/$", "");
            int[] n = {0};
            Call rawPut = () -> {
                String key = "client-" + run + "/" + (n[0]++ % 1000);
                HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/kv/"
                                + URLEncoder.encode(key, StandardCharsets.UTF_8) + "?id=" + UUID.randomUUID()))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "text/plain; charset=utf-8")
                        .PUT(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode body = JSON.readTree(reply.body());
                return reply.statusCode() == 200 && body.path("version").asLong() > 0 ? null : "status " + reply.statusCode();
            };
            Call clientPut = () -> {
                OperationAck ack = client.put("client-" + run + "/" + (n[0]++ % 1000), value, WriteOptions.DEFAULT);
                return ack.version() > 0 ? null : "no version";
            };
            String readKey = "client-" + run + "/0";
            client.put(readKey, value);
            String readUrl = base + "/v1/kv/" + URLEncoder.encode(readKey, StandardCharsets.UTF_8)
                    + "?consistency=linearizable";
            Call rawGet = () -> {
                HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(readUrl))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                JsonNode body = JSON.readTree(reply.body());
                return reply.statusCode() == 200 && value.equals(body.path("value").asText(null)) ? null
                        : "status " + reply.statusCode();
            };
            Call clientGet = () -> {
                GetResult result = client.get(readKey, ReadOptions.at(Consistency.LINEARIZABLE));
                return result.value().equals(Optional.of(value)) ? null : "wrong value";
            };
            Call clientSession = () -> client.get(readKey).value().equals(Optional.of(value)) ? null : "wrong value";
            kinds.put("raw-http-put", new Kind("raw-http", rawPut));
            kinds.put("client-put", new Kind("kvlog-client", clientPut));
            kinds.put("raw-http-get", new Kind("raw-http", rawGet));
            kinds.put("client-get", new Kind("kvlog-client", clientGet));
            kinds.put("client-get-session", new Kind("kvlog-client", clientSession));
            for (Kind kind : kinds.values()) {
                for (int i = 0; i < Math.min(WARM_UP, calls); i++) {
                    kind.call(false);
                }
                kind.errors.clear();
            }
            int perRound = Math.max(1, calls / ROUNDS);
            for (int round = 0; round < ROUNDS; round++) {
                for (Kind kind : kinds.values()) {
                    for (int i = 0; i < perRound; i++) {
                        kind.call(true);
                    }
                }
            }
        }
        List<WorkloadResult> results = new ArrayList<>();
        Map<String, Object> details = new LinkedHashMap<>();
        kinds.forEach((name, kind) -> {
            LatencySummary summary = LatencySummary.of(kind.latency);
            double seconds = kind.nanos / 1e9;
            progress.accept(String.format(Locale.ROOT, "client %-18s %6d calls: mean %6.3f ms  p50 %6.3f ms  p99 %6.3f ms"
                    + "  errors %s", name, summary.count(), kind.latency.getMean() / 1e6, summary.p50Ms(),
                    summary.p99Ms(), kind.errors.isEmpty() ? "0" : kind.errors));
            results.add(new WorkloadResult(kind.target, name, "closed", 1, seconds, summary.count(),
                    summary.count() / seconds, summary, kind.errors, List.of()));
            details.put(name + "MeanMs", kind.latency.getMean() / 1e6);
        });
        double putOverhead = (kinds.get("client-put").latency.getMean() - kinds.get("raw-http-put").latency.getMean()) / 1e6;
        double getOverhead = (kinds.get("client-get").latency.getMean() - kinds.get("raw-http-get").latency.getMean()) / 1e6;
        progress.accept(String.format(Locale.ROOT, "client: overhead per call over raw HTTP (mean): put %+.3f ms,"
                + " get %+.3f ms", putOverhead, getOverhead));
        details.put("node", node.toString());
        details.put("rounds", ROUNDS);
        details.put("valueBytes", valueBytes);
        details.put("cores", WatchScenario.SHARED_CORES);
        return new ScenarioOutcome(results, List.of(
                new ScenarioResult("client-overhead-put", "ms", putOverhead, details),
                new ScenarioResult("client-overhead-get", "ms", getOverhead, details)));
    }

    /** One call: null when its reply was right, else what was wrong. */
    private interface Call {
        String call() throws IOException, InterruptedException;
    }

    /** A kind of call, its latencies and errors. */
    private static final class Kind {
        final String target;
        final Call call;
        final Histogram latency = new Histogram(Duration.ofMinutes(1).toNanos(), 3);
        final Map<String, Long> errors = new TreeMap<>();
        long nanos;

        Kind(String target, Call call) {
            this.target = target;
            this.call = call;
        }

        void call(boolean measured) throws InterruptedException {
            long sent = System.nanoTime();
            String problem;
            try {
                problem = call.call();
            } catch (IOException | RuntimeException e) {
                problem = e.getClass().getSimpleName();
            }
            long took = System.nanoTime() - sent;
            if (problem != null) {
                errors.merge(problem, 1L, Long::sum);
            } else if (measured) {
                latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
                nanos += took;
            }
        }
    }
}
