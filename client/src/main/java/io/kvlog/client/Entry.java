package io.kvlog.client;

/** One key of a scan, with its value and version. */
public record Entry(String key, String value, long version) {
}
