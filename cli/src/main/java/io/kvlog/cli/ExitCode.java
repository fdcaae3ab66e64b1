package io.kvlog.cli;

/** Exit codes of the {@code kv} command, as DESIGN.md fixes them. */
public final class ExitCode {

    /** Done. */
    public static final int OK = 0;
    /** The operation failed, or what it names was not found. */
    public static final int FAILED = 1;
    /** Usage error: unknown command, bad or missing argument. */
    public static final int USAGE = 2;
    /** The cluster cannot be reached (or there is none in the data directory). */
    public static final int UNREACHABLE = 3;

    private ExitCode() {
    }
}
