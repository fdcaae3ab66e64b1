package io.kvlog.materializer;

/**
 * A fingerprint of one partition's state, to compare copies and replays: equal digests at
 * equal offsets mean equal state.
 *
 * @param partition the partition of {@link io.kvlog.protocol.Topics#EVENTS}
 * @param offset    the offset the state was taken at (the last event applied), -1 if none
 * @param sha256    lower-case hex SHA-256 over the entries in key order, then the stored
 *                  outcomes in id order, then the progress
 * @param entries   how many entries were hashed
 * @param outcomes  how many outcomes were hashed
 */
public record Digest(int partition, long offset, String sha256, long entries, long outcomes) {
}
