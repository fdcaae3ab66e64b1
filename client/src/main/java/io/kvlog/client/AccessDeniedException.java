package io.kvlog.client;

/**
 * The node refused who is asking: 401 (no token, or one that matches no principal: see
 * {@link KvClient.Builder#token}) or 403 (the principal's roles do not grant what the request
 * needs; the message names the permission and the key). Nothing was written.
 */
public final class AccessDeniedException extends KvException {

    public AccessDeniedException(int status, String error, String message) {
        super(status, error, message);
    }
}
