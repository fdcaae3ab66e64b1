package io.kvlog.cli.check;

/** The operations a history records, on a register per key. */
public enum OpKind {
    /** Sets the key's value. */
    PUT,
    /** Removes the key (deleting a missing key is acknowledged too). */
    DELETE,
    /** Concatenates a suffix to the value ("" when absent) and returns the new value. */
    APPEND,
    /** Reads the value (absent = null). */
    GET;

    /** PUT, DELETE and APPEND change the register; GET does not. */
    public boolean isWrite() {
        return this != GET;
    }
}
