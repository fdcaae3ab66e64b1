package io.kvlog.materializer.internal;

import io.kvlog.materializer.Digest;
import io.kvlog.materializer.Progress;
import io.kvlog.protocol.OutcomeCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Computes a {@link Digest} from the stored records of one partition, fed in store order: every
 * entries record, then every outcomes record. Used for live copies and replays alike.
 *
 * <p>Outcomes already expired at the entries' log time are left out, so the digest does not
 * depend on whether a purge ran. Each store's progress is checked: if the two iterations were
 * taken at different offsets, {@link #consistent()} is false and the digest must be retaken.
 */
public final class PartitionDigester {

    private final long windowMs;
    private final MessageDigest sha256;
    private Progress entriesProgress;
    private Progress outcomesProgress;
    private boolean outcomesStarted;
    private long entries;
    private long outcomes;

    public PartitionDigester(Duration dedupeWindow) {
        this.windowMs = dedupeWindow.toMillis();
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** One record of the entries store, in key order. */
    public void entry(String key, byte[] stored) {
        if (outcomesStarted) {
            throw new IllegalStateException("entries must all come before outcomes, got entry " + key);
        }
        if (StoredForms.isProgress(key)) {
            entriesProgress = StoredForms.decodeProgress(stored);
            return;
        }
        hash('E', key, stored);
        entries++;
    }

    /** One record of the outcomes store, in id order. */
    public void outcome(String id, byte[] stored) {
        outcomesStarted = true;
        if (StoredForms.isProgress(id)) {
            outcomesProgress = StoredForms.decodeProgress(stored);
            return;
        }
        long logTime = entriesProgress == null ? 0 : entriesProgress.logTime();
        if (logTime - OutcomeCodec.decode(stored).logTime() >= windowMs) {
            return; // expired: a purge may or may not have removed it yet
        }
        hash('O', id, stored);
        outcomes++;
    }

    /** Whether both stores were read at the same progress. */
    public boolean consistent() {
        return Objects.equals(entriesProgress, outcomesProgress);
    }

    /** The offset the entries were read at, -1 if none was applied. */
    public long offset() {
        return entriesProgress == null ? -1 : entriesProgress.offset();
    }

    /** Finishes the digest; this digester cannot be used again. */
    public Digest finish(int partition) {
        if (!consistent()) {
            throw new IllegalStateException("entries at " + entriesProgress + " but outcomes at " + outcomesProgress);
        }
        if (entriesProgress != null) {
            hash('P', "", StoredForms.encodeProgress(entriesProgress));
        }
        return new Digest(partition, offset(), HexFormat.of().formatHex(sha256.digest()), entries, outcomes);
    }

    private void hash(char kind, String key, byte[] value) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        sha256.update((byte) kind);
        sha256.update(ByteBuffer.allocate(4).putInt(keyBytes.length).array());
        sha256.update(keyBytes);
        sha256.update(ByteBuffer.allocate(4).putInt(value.length).array());
        sha256.update(value);
    }
}
