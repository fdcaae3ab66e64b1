package io.kvlog.protocol;

/** What an {@link Event} does to its key. The names are the {@code "type"} values on the log. */
public enum EventType {
    /** Sets the key's value. */
    Insert,
    /** Removes the key: it is absent again (version 0). Removing an absent key is applied too. */
    Remove,
    /** Appends a suffix to the key's value; an absent key starts from the empty string. */
    Append
}
