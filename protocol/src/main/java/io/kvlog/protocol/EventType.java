package io.kvlog.protocol;

/** What an {@link Event} does to its key. The names are the {@code "type"} values on the log. */
public enum EventType {
    /** Sets the key's value. */
    Insert,
    /** Removes the key, leaving a tombstone that keeps its version. */
    Remove,
    /** Appends a suffix to the key's value; an absent key starts from the empty string. */
    Append
}
