package io.kvlog.cli;

/** A failure the CLI reports as one message line and an {@link ExitCode}. */
public final class KvException extends RuntimeException {

    private final int exitCode;

    public KvException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public KvException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static KvException notFound(String message) {
        return new KvException(ExitCode.FAILED, message);
    }

    public static KvException unreachable(String message) {
        return new KvException(ExitCode.UNREACHABLE, message);
    }
}
