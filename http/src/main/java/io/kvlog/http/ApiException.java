package io.kvlog.http;

/**
 * A request that cannot be served, answered as {@code {"error":CODE,"message":…}} with
 * {@code status}. The message names the bad input and what was expected.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BAD_REQUEST", message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "UNAVAILABLE", message);
    }
}
