package io.kvlog.materializer.internal;

import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Progress;
import io.kvlog.protocol.Topics;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Computes the {@link Digest} of one partition from one iteration over a whole store (one point
 * in time): its entries in key order, its outcomes in id order, its keys' history, its progress. Used for live
 * copies and replays alike, so equal state at equal position gives equal digests.
 */
public final class PartitionDigester {

    private PartitionDigester() {
    }

    /**
     * The digest of {@code partition}, whose keys are those {@link Topics#partitionOf} puts there
     * among {@code partitions}.
     */
    public static Digest digest(ByteStore store, int partition, int partitions) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        long entries = 0;
        long outcomes = 0;
        Progress progress = null;
        try (ByteStore.Range all = store.range(null, null)) {
            while (all.hasNext()) {
                Map.Entry<byte[], byte[]> next = all.next();
                byte[] key = next.getKey();
                switch (StoreLayout.tag(key)) {
                    case StoreLayout.POSITION -> {
                        if (StoreLayout.partitionOf(key) == partition) {
                            progress = StoreLayout.decodeProgress(next.getValue());
                        }
                    }
                    case StoreLayout.ENTRY -> {
                        if (Topics.partitionOf(StoreLayout.userKey(key), partitions) == partition) {
                            hash(sha256, 'E', key, next.getValue());
                            entries++;
                        }
                    }
                    case StoreLayout.OUTCOME -> {
                        if (StoreLayout.partitionOf(key) == partition) {
                            hash(sha256, 'O', key, next.getValue());
                            outcomes++;
                        }
                    }
                    case StoreLayout.HISTORY -> {
                        if (Topics.partitionOf(StoreLayout.historyUserKey(key), partitions) == partition) {
                            hash(sha256, 'H', key, next.getValue());
                        }
                    }
                    default -> {
                        // the expiry index follows from the outcomes; the layout is no partition's
                    }
                }
            }
        }
        if (progress != null) {
            hash(sha256, 'P', new byte[0], StoreLayout.encodeProgress(progress));
        }
        return new Digest(partition, progress == null ? -1 : progress.offset(),
                HexFormat.of().formatHex(sha256.digest()), entries, outcomes);
    }

    private static void hash(MessageDigest sha256, char kind, byte[] key, byte[] value) {
        sha256.update((byte) kind);
        sha256.update(ByteBuffer.allocate(4).putInt(key.length).array());
        sha256.update(key);
        sha256.update(ByteBuffer.allocate(4).putInt(value.length).array());
        sha256.update(value);
    }
}
