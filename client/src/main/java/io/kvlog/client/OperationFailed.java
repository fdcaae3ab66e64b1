package io.kvlog.client;

/**
 * The node could not confirm a write within its deadline (1 s): the outcome is unknown, nothing
 * is rolled back. Sending it again with the same id is safe: it takes effect at most once.
 *
 * @param id     the write's request id
 * @param reason why it could not be confirmed
 */
public record OperationFailed(String id, String reason) implements Result {
}
