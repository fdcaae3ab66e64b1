package io.kvlog.cli.check;

/**
 * How an operation ended.
 *
 * <ul>
 *   <li>{@code OK}: acknowledged or returned; it took effect exactly once between its call and its return.</li>
 *   <li>{@code FAIL}: definitely not applied (400, a 412 known to be final, connection refused before sending).</li>
 *   <li>{@code UNKNOWN}: may or may not have been applied (timeout, 504 {@code OperationFailed}, connection reset,
 *       503 from a node that may have appended it before it failed). Open-ended: it may take effect at any time after its call,
 *       or never.</li>
 * </ul>
 */
public enum OpOutcome { OK, FAIL, UNKNOWN }
