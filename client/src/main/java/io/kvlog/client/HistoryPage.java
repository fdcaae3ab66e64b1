package io.kvlog.client;

import java.util.List;
import java.util.OptionalLong;

/**
 * A page of a key's history, newest first.
 *
 * @param key   the key
 * @param items its versions on this page
 * @param next  the {@code before} of the next page (older versions); empty on the last page
 */
public record HistoryPage(String key, List<KeyVersion> items, OptionalLong next) {
}
