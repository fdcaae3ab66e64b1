package io.kvlog.client;

/**
 * A reply of the message protocol ({@code POST /v1/ops}, {@link KvClient#ops}): one per
 * operation, in order.
 */
public sealed interface Result permits OperationAck, OperationFailed, GetResult {

    /** The id of the request this replies to (null for a get sent without one). */
    String id();
}
