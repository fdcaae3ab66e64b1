package io.kvlog.materializer.internal;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Log time of an event: its record timestamp. A record without one (negative) gets 0 rather
 * than being dropped, as Streams would by default: every record must reach the applier, as it
 * does in a replay. The applier's log time is the maximum so far, so 0 never moves it back.
 */
public final class LogTimeExtractor implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        return Math.max(record.timestamp(), 0);
    }
}
