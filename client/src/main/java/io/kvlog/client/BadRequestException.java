package io.kvlog.client;

/**
 * The node refused the request as it stood (400, 413, 415, 422): a bad key, value, id or
 * parameter, or too large. Nothing was written. The message names the bad input.
 */
public final class BadRequestException extends KvException {

    public BadRequestException(int status, String error, String message) {
        super(status, error, message);
    }
}
