package io.kvlog.query.internal;

import io.kvlog.protocol.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;

/**
 * How many partitions {@code kv.events} has, asked of the brokers once and then remembered (the
 * topic's partitions are fixed at creation: adding some would move keys between partitions).
 * Until the first answer every call asks again.
 */
public final class PartitionCount {

    private final Supplier<CompletionStage<Integer>> lookup;
    private volatile Integer known;

    public PartitionCount(Supplier<CompletionStage<Integer>> lookup) {
        this.lookup = lookup;
    }

    /** Asks the brokers through {@code admin}, each try bounded by {@code timeout}. */
    public static PartitionCount of(Admin admin, Duration timeout) {
        return new PartitionCount(() -> {
            CompletableFuture<Integer> count = new CompletableFuture<>();
            admin.describeTopics(List.of(Topics.EVENTS), new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis()))
                    .allTopicNames().whenComplete((topics, failure) -> {
                        if (failure != null) {
                            count.completeExceptionally(failure);
                        } else {
                            count.complete(topics.get(Topics.EVENTS).partitions().size());
                        }
                    });
            return count;
        });
    }

    /** A fixed count (tests). */
    public static PartitionCount fixed(int partitions) {
        return new PartitionCount(() -> CompletableFuture.completedFuture(partitions));
    }

    public CompletionStage<Integer> get() {
        Integer count = known;
        if (count != null) {
            return CompletableFuture.completedFuture(count);
        }
        return lookup.get().thenApply(partitions -> {
            known = partitions;
            return partitions;
        });
    }
}
