package io.kvlog.cli.check;

import java.util.List;

/**
 * The outcome of {@link LostWriteCheck}.
 *
 * @param acknowledgedWrites OK writes (PUT, DELETE, APPEND) that were checked
 * @param lost               human-readable findings: lost acknowledged writes, failed writes that appear applied,
 *                           appends applied twice or out of order
 */
public record LostWriteResult(int acknowledgedWrites, List<String> lost) {

    public LostWriteResult {
        lost = List.copyOf(lost);
    }

    public boolean ok() {
        return lost.isEmpty();
    }
}
