package io.kvlog.query.internal;

import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * High watermarks of {@code kv.events} from the partition leaders: one {@code ListOffsets}
 * (latest, read_uncommitted = the high watermark) per leader for all asked partitions. A
 * partition whose leader cannot answer within {@code timeout} fails the whole lookup.
 */
public final class KafkaHighWatermarks implements ReadIndex.HighWatermarkSource {

    private final Admin admin;
    private final Duration timeout;

    public KafkaHighWatermarks(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    @Override
    public CompletionStage<Map<Integer, Long>> latest(Set<Integer> partitions) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest()));
        ListOffsetsResult result = admin.listOffsets(request,
                new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED).timeoutMs((int) timeout.toMillis()));
        CompletableFuture<Map<Integer, Long>> answer = new CompletableFuture<>();
        result.all().whenComplete((offsets, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
                return;
            }
            Map<Integer, Long> highWatermarks = new HashMap<>();
            offsets.forEach((tp, info) -> highWatermarks.put(tp.partition(), info.offset()));
            answer.complete(highWatermarks);
        });
        return answer;
    }
}
