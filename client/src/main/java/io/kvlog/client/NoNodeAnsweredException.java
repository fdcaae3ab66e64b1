package io.kvlog.client;

import java.util.List;

/**
 * No node answered: each was tried once, with the same request id for a write. A write may still
 * have taken effect (a node may have acted on it and died before answering): send it again with
 * the same id, which is safe.
 */
public final class NoNodeAnsweredException extends KvException {

    private final List<String> tried;

    public NoNodeAnsweredException(List<String> tried, Throwable cause) {
        this("no node answered; tried " + String.join(", ", tried), tried, cause);
    }

    public NoNodeAnsweredException(String message, List<String> tried, Throwable cause) {
        super(0, "NO_NODE_ANSWERED", message, cause);
        this.tried = List.copyOf(tried);
    }

    /** Each node tried, with why it did not answer. */
    public List<String> tried() {
        return tried;
    }
}
