package io.kvlog.query.internal;

import io.vertx.core.Future;

/** Pages through one partition's part of a scan, wherever its copy lives. */
@FunctionalInterface
public interface PartitionPager {

    /** Up to {@code max} entries of {@code range} (the scan's range, or its rest after the last key fetched). */
    Future<RangePage> next(KeyRange range, int max);
}
