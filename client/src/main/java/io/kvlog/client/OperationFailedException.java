package io.kvlog.client;

/**
 * A write's outcome is unknown ({@link OperationFailed}): the node could not confirm it was in
 * the log within its deadline. Send it again with {@link #result()}'s id: it takes effect once.
 */
public final class OperationFailedException extends KvException {

    private final OperationFailed result;

    public OperationFailedException(OperationFailed result) {
        super(504, "OPERATION_FAILED", "failed (outcome unknown, a retry with id " + result.id() + " is safe): "
                + result.reason());
        this.result = result;
    }

    public OperationFailed result() {
        return result;
    }
}
