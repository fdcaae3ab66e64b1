package io.kvlog.client;

import java.util.List;
import java.util.Optional;

/**
 * A page of a scan, in key order.
 *
 * @param cursor where the next page starts ({@link KvClient#scanPage}); empty on the last page
 */
public record ScanPage(List<Entry> items, Optional<String> cursor) {
}
