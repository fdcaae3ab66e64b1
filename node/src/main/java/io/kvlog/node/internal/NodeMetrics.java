package io.kvlog.node.internal;

import io.kvlog.materializer.AppliedPositions;
import io.kvlog.materializer.ApplyCounters;
import io.kvlog.materializer.Materializer;
import io.kvlog.query.QueryService;
import io.kvlog.writer.WriteOutcomes;
import io.kvlog.writer.WriterService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * One node's metrics, served as {@code GET /metrics} in the Prometheus text format (0.0.4).
 *
 * <p>Everything goes through one Micrometer {@link PrometheusMeterRegistry}: Vert.x's HTTP server
 * metrics by route, method and status, with latency buckets ({@code vertx-micrometer-metrics});
 * this node's copy (applied position per partition, apply counters, its Kafka Streams client), its writes by outcome and
 * writes in flight, its watches; the writer's Kafka producer; JVM basics. kvlog's own meters are
 * named {@code kvlog_…}; counters are read from the components' own counters at scrape time
 * ({@link FunctionCounter}), so the apply path pays nothing for them.
 *
 * <p>Per partition, the high watermark and this copy's lag behind it come from the read index's
 * last lookup (at most {@value #HIGH_WATERMARK_MAX_AGE_MS} ms older than the scrape before:
 * a scrape never waits for a broker); the global consumer's own lag is there too
 * ({@link #bindClients}), with the copy's RocksDB metrics as Kafka Streams records them
 * ({@code kafka_stream_state_…{rocksdb_state_id="kv-copy"}}). Not exported (yet): reads waiting
 * for a linearizable read's high-watermark lookup (only those waiting for the apply are counted).
 */
public final class NodeMetrics implements AutoCloseable {

    /** Latency buckets for the HTTP server's response time: from a cached read to past the 1 s write deadline. */
    private static final double[] HTTP_BUCKETS_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
            1, 2.5, 5};

    /** How old the high watermark a scrape reports may be before the scrape starts a new lookup. */
    static final long HIGH_WATERMARK_MAX_AGE_MS = 5_000;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // created in bind*, closed in close()
    private final List<AutoCloseable> binders = new ArrayList<>();

    public NodeMetrics(String node) {
        registry.config().commonTags("node", node);
        // Vert.x names a request's route by every route it passed, joined by '>': the writer's PUT
        // passes two routes of one path ("/v1/kv/:key>/v1/kv/:key"); the one that answered names it
        registry.config().meterFilter(MeterFilter.replaceTagValues("route",
                route -> route.substring(route.lastIndexOf('>') + 1)));
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().startsWith("vertx.http.server.response.time")) {
                    double[] nanos = new double[HTTP_BUCKETS_SECONDS.length]; // a timer's buckets are in nanoseconds
                    for (int i = 0; i < nanos.length; i++) {
                        nanos[i] = HTTP_BUCKETS_SECONDS[i] * 1e9;
                    }
                    return DistributionStatisticConfig.builder().serviceLevelObjectives(nanos).build().merge(config);
                }
                return config;
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        binders.add(gc);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** Vert.x options that report HTTP server and client metrics into this registry, by route, method and status. */
    public VertxOptions vertxOptions(VertxOptions options) {
        return options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
                .setLabels(java.util.EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE))
                .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
                .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
                .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
                .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
                .addDisabledMetricsCategory(MetricsDomain.VERTICLES));
    }

    /** The factory to build Vert.x with, so its metrics land in this registry. */
    public VertxMetricsFactory vertxMetrics() {
        return new MicrometerMetricsFactory(registry);
    }

    /** This node's copy: applied position per partition and what the apply decided. */
    public void bind(Materializer copy) {
        for (int p = 0; p < copy.partitions(); p++) {
            int partition = p;
            Gauge.builder("kvlog.applied.position", copy, c -> c.positions().applied(partition))
                    .description("The last offset of kv.events this node's copy has applied, per partition (-1: none)")
                    .tag("partition", Integer.toString(partition)).register(registry);
        }
        Gauge.builder("kvlog.apply.waiters", copy, c -> c.positions().waiting())
                .description("Reads and writes waiting for this node's copy to apply a position (wait=applied or all,"
                        + " conditional writes, linearizable and session reads)").register(registry);
        ApplyCounters counters = copy.counters();
        applyCounter(counters, "applied", ApplyCounters::applied, "Events applied");
        applyCounter(counters, "duplicate", ApplyCounters::duplicates,
                "Events skipped as a duplicate of an id applied within the dedupe window");
        applyCounter(counters, "precondition_failed", ApplyCounters::preconditionFailed,
                "Events whose condition (if-version, if-exists) did not hold");
        applyCounter(counters, "too_large", ApplyCounters::tooLarge,
                "Appends refused: the value would grow past the stored-value limit");
        applyCounter(counters, "already_applied", ApplyCounters::alreadyApplied,
                "Events seen again at or below the stored position (a replay after a crash) and skipped");
        applyCounter(counters, "malformed", ApplyCounters::malformed, "Records that were not valid events, skipped");
        applyCounter(counters, "no_key", ApplyCounters::noKey, "Records without a key, skipped");
        applyCounter(counters, "failed", ApplyCounters::failed, "Records the store failed to take");
    }

    /**
     * The Kafka Streams client of this copy, its global consumer's lag per partition among them
     * ({@code kafka_consumer_fetch_manager_records_lag{topic="kv.events",partition}}). Call once the
     * copy has started: the binder looks for new client metrics once a minute, and per-partition
     * ones exist only after the first fetch.
     */
    public void bindClients(Materializer copy) {
        KafkaStreamsMetrics streams = new KafkaStreamsMetrics(copy.streams());
        streams.bindTo(registry);
        binders.add(streams);
    }

    private void applyCounter(ApplyCounters counters, String result, ToDoubleFunction<ApplyCounters> count,
                              String description) {
        FunctionCounter.builder("kvlog.apply.events", counters, count)
                .description("Records of kv.events this node's copy has taken, by what the apply decided: " + description)
                .tag("result", result).register(registry);
    }

    /** The write path: writes by outcome, writes in flight, and the producer's Kafka client metrics. */
    public void bind(WriterService writer) {
        WriteOutcomes outcomes = writer.outcomes();
        writeCounter(outcomes, "acked", WriteOutcomes::acked);
        writeCounter(outcomes, "failed", WriteOutcomes::failed);
        writeCounter(outcomes, "precondition_failed", WriteOutcomes::preconditionFailed);
        writeCounter(outcomes, "too_large", WriteOutcomes::tooLarge);
        writeCounter(outcomes, "refused", WriteOutcomes::refused);
        Gauge.builder("kvlog.writes.in.flight", writer, WriterService::inFlight)
                .description("Writes this node has taken and not answered yet (appending or waiting for their ack level)")
                .register(registry);
        KafkaClientMetrics producer = new KafkaClientMetrics(writer.producer(), Tags.of("client", "writer"));
        producer.bindTo(registry);
        binders.add(producer);
    }

    private void writeCounter(WriteOutcomes outcomes, String outcome, ToDoubleFunction<WriteOutcomes> count) {
        FunctionCounter.builder("kvlog.writes", outcomes, count)
                .description("Writes answered by this node, by outcome (acked; failed: not confirmed by the deadline;"
                        + " precondition_failed; too_large; refused: overloaded or no copy for the ack level)")
                .tag("outcome", outcome).register(registry);
    }

    /**
     * Per partition, the high watermark of {@code kv.events} as last looked up and how far this
     * copy is behind it (events at or past its applied position and below that high watermark).
     */
    public void bindHighWatermarks(QueryService query, Materializer copy) {
        for (int p = 0; p < copy.partitions(); p++) {
            int partition = p;
            Gauge.builder("kvlog.high.watermark", query, q -> orNaN(q.knownHighWatermark(partition,
                            HIGH_WATERMARK_MAX_AGE_MS)))
                    .description("The high watermark of the kv.events partition as this node last looked it up"
                            + " (refreshed when a scrape finds it older than 5 s; NaN before the first lookup)")
                    .tag("partition", Integer.toString(partition)).register(registry);
            Gauge.builder("kvlog.lag", query, q -> {
                        Long hw = q.knownHighWatermark(partition, HIGH_WATERMARK_MAX_AGE_MS);
                        return hw == null ? Double.NaN : AppliedPositions.lag(copy.positions().applied(partition), hw);
                    })
                    .description("Events of the partition below its last looked-up high watermark that this node's copy"
                            + " has not applied (NaN before the first lookup)")
                    .tag("partition", Integer.toString(partition)).register(registry);
        }
    }

    private static double orNaN(Long value) {
        return value == null ? Double.NaN : value;
    }

    /** The read path's watches: open now and their buffered bytes. */
    public void bind(QueryService query) {
        Gauge.builder("kvlog.watches.open", query, q -> q.watchStats().getInteger("open"))
                .description("Watches open on this node").register(registry);
        Gauge.builder("kvlog.watches.buffered", query, q -> q.watchStats().getLong("bufferedBytes"))
                .description("Bytes of changes buffered for this node's watchers, not yet sent")
                .baseUnit("bytes").register(registry);
        FunctionCounter.builder("kvlog.watches.closed.too.slow", query, q -> q.watchStats().getLong("closedTooSlow"))
                .description("Watches this node ended because their client read too slowly").register(registry);
    }

    /** Answers a scrape ({@code GET /metrics}) with every meter in the Prometheus text format. */
    public void scrape(RoutingContext ctx) {
        // a scrape of a few hundred series takes well under a millisecond: no need to leave the event loop
        ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape());
    }

    /** The registry, for tests and for whoever adds meters of their own. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        for (AutoCloseable binder : binders) {
            try {
                binder.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a metrics binder failed: " + binder, e);
            }
        }
        registry.close();
    }
}
