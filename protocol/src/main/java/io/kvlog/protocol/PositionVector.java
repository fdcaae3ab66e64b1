package io.kvlog.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How far a reader of {@link Topics#EVENTS} has come in some of its partitions: for each, the
 * offset of the last event it has seen (everything at or below it is behind it; -1 = nothing).
 * A watch's resume position: each change a watcher gets carries one, so {@code Last-Event-ID}
 * or {@code from=} resumes exactly after it.
 *
 * <p>Text form: {@code PARTITION:OFFSET} pairs joined by commas in partition order, e.g.
 * {@code 0:17,1:-1,2:5}. A {@link Token} ({@code 3:1042}) is a vector of one partition.
 */
public record PositionVector(SortedMap<Integer, Long> offsets) {

    /** The longest vector text accepted (a vector of 4,096 partitions with big offsets fits). */
    public static final int MAX_TEXT_LENGTH = 100_000;

    public PositionVector {
        offsets = Collections.unmodifiableSortedMap(new TreeMap<>(offsets));
        offsets.forEach((partition, offset) -> new Token(partition, offset)); // the same bounds as a token
    }

    /** The vector of {@code offsets[p]} for each partition {@code p} in {@code partitions}. */
    public static PositionVector of(long[] offsets, Iterable<Integer> partitions) {
        SortedMap<Integer, Long> map = new TreeMap<>();
        for (int p : partitions) {
            map.put(p, offsets[p]);
        }
        return new PositionVector(map);
    }

    /**
     * Parses {@code P:O,P:O,…}.
     *
     * @throws IllegalArgumentException naming the bad part and the expected form
     */
    public static PositionVector parse(String text) {
        String expected = "expected PARTITION:OFFSET pairs joined by commas (e.g. 0:17,1:-1), as a watch"
                + " event's id or a token, got " + Validation.quote(text);
        if (text == null || text.isBlank() || text.length() > MAX_TEXT_LENGTH) {
            throw new IllegalArgumentException("position: " + expected);
        }
        SortedMap<Integer, Long> offsets = new TreeMap<>();
        for (String part : text.split(",", -1)) {
            Token token;
            try {
                token = Token.parse(part.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("position: " + expected, e);
            }
            if (offsets.put(token.partition(), token.offset()) != null) {
                throw new IllegalArgumentException("position: partition " + token.partition() + " appears twice; "
                        + expected);
            }
        }
        return new PositionVector(offsets);
    }

    /** The offset for {@code partition}, or null if the vector does not name it. */
    public Long offset(int partition) {
        return offsets.get(partition);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(offsets.size() * 8);
        for (Map.Entry<Integer, Long> entry : offsets.entrySet()) {
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(entry.getKey()).append(':').append(entry.getValue());
        }
        return text.toString();
    }
}
