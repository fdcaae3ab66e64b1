package io.kvlog.cli.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The lost-write check, run on the final state after the cluster has healed. Keys are assumed to be written only
 * by the history (absent before it, no other writers). For each key, with F its final value:
 *
 * <p><b>Acknowledged writes are not lost.</b> Some write is the last to take effect on a key; it is an OK write,
 * or an UNKNOWN one that did take effect (FAIL writes never do). For an OK write w, that last write is w itself or a
 * write that <em>may come after w</em>: an OK or UNKNOWN write of the key that had not returned when w was called
 * (UNKNOWN writes never return, so they always may). The last write must explain F: a PUT of F, a DELETE if F is
 * absent, an APPEND whose suffix F ends with. So w is reported lost when neither w nor any write that may come after
 * it explains F. This is the "final value or superseded by a later acknowledged or possibly-applied write",
 * made exact for concurrent writes (a write concurrent with w may have taken effect after it) and requiring that the
 * superseding write is one that could have left F. When F is explained by nothing, only the acknowledged writes not
 * surely followed by another acknowledged write (called after w returned) are reported: the others were
 * overwritten anyway, and listing every write of the key would bury the finding.
 *
 * <p><b>Acknowledged appends survive.</b> An OK APPEND after which no PUT or DELETE may come must have its suffix
 * in F as a substring (appends only extend a value); this replaces the rule above for it, as appends do not
 * overwrite each other. Holds for any suffixes. An OK APPEND that a PUT or DELETE may follow is checked as above.
 *
 * <p>When the suffixes of a key's APPENDs are <em>unique</em> (all distinct, none inside another suffix or inside
 * a PUT value of that key; self-delimiting ones such as {@code "<p1:17>"} make this exact, since then a suffix
 * cannot also appear across the boundary of two others), two more checks run:
 * <ul>
 *   <li><b>exactly once</b>: no APPEND's suffix appears more than once in F (counted without overlaps);</li>
 *   <li><b>order</b>: if two OK APPENDs both survive (as above) and one returned before the other was called, its
 *       suffix comes first in F.</li>
 * </ul>
 *
 * <p><b>Failed writes do not appear applied</b>, where that is detectable: a FAIL PUT whose value no other PUT of
 * the key writes, on a key without APPENDs, must not be F nor be read by an OK GET; a FAIL APPEND with a unique
 * suffix must not appear in F, in an OK GET's value or in an OK APPEND's returned value. A FAIL DELETE leaves no
 * trace and is not checked.
 *
 * <p>Findings are capped at {@value #MAX_FINDINGS_PER_KEY} per key, with a line saying how many more there were.
 */
public final class LostWriteCheck {

    static final int MAX_FINDINGS_PER_KEY = 20;

    private LostWriteCheck() {
    }

    /**
     * @param finalValues every written key's value after healing (null = absent); a key the history writes must be
     *                    in the map, so that a forgotten read is not mistaken for a deleted key
     */
    public static LostWriteResult check(History history, Map<String, String> finalValues) {
        Objects.requireNonNull(finalValues, "finalValues");
        List<HistoryEntry> all = history.entries();
        long origin = all.isEmpty() ? 0 : all.get(0).callNanos();
        Map<String, List<HistoryEntry>> byKey = new TreeMap<>();
        for (HistoryEntry entry : all) {
            byKey.computeIfAbsent(entry.key(), k -> new ArrayList<>()).add(entry);
        }
        List<String> missing = byKey.entrySet().stream()
                .filter(e -> e.getValue().stream().anyMatch(op -> op.kind().isWrite()) && !finalValues.containsKey(e.getKey()))
                .map(Map.Entry::getKey).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no final value given for " + missing.size() + " written keys, e.g. "
                    + missing.subList(0, Math.min(5, missing.size())) + " (give null for an absent key)");
        }
        int acknowledged = 0;
        List<String> findings = new ArrayList<>();
        for (Map.Entry<String, List<HistoryEntry>> key : byKey.entrySet()) {
            KeyCheck check = new KeyCheck(key.getKey(), key.getValue(), finalValues.get(key.getKey()), origin);
            acknowledged += check.acknowledgedWrites();
            findings.addAll(check.findings());
        }
        return new LostWriteResult(acknowledged, findings);
    }

    /** The checks of one key. */
    private static final class KeyCheck {
        private final String key;
        private final List<HistoryEntry> ops;
        private final String finalValue;
        private final long origin;
        private final List<String> findings = new ArrayList<>();
        private int unlisted;

        KeyCheck(String key, List<HistoryEntry> ops, String finalValue, long origin) {
            this.key = key;
            this.ops = ops;
            this.finalValue = finalValue;
            this.origin = origin;
        }

        int acknowledgedWrites() {
            return (int) ops.stream().filter(op -> op.acknowledged() && op.kind().isWrite()).count();
        }

        List<String> findings() {
            checkAcknowledgedWrites();
            boolean unique = appendSuffixesUnique();
            if (unique) {
                checkAppliedOnce();
                checkAppendOrder();
            }
            checkFailedWrites(unique);
            if (unlisted > 0) {
                findings.add("key '" + key + "': " + unlisted + " more findings not listed");
            }
            return findings;
        }

        private void report(String finding) {
            if (findings.size() < MAX_FINDINGS_PER_KEY) {
                findings.add("key '" + key + "': " + finding);
            } else {
                unlisted++;
            }
        }

        private String op(HistoryEntry e) {
            return OpText.op(e, origin);
        }

        /** Could this write have been the last to take effect, leaving the final value? */
        private boolean explainsFinal(HistoryEntry write) {
            return switch (write.kind()) {
                case PUT -> write.value().equals(finalValue);
                case DELETE -> finalValue == null;
                case APPEND -> finalValue != null && finalValue.endsWith(write.value());
                case GET -> false;
            };
        }

        private void checkAcknowledgedWrites() {
            // A write x may come after w iff x.return > w.call, and surely comes after it iff x.call > w.return; so
            // only the latest return among the writes that explain F, the latest return among PUTs and DELETEs and
            // the latest call among acknowledged writes matter.
            long latestExplaining = Long.MIN_VALUE;
            long latestOverwrite = Long.MIN_VALUE;
            long latestAcknowledgedCall = Long.MIN_VALUE;
            for (HistoryEntry x : ops) {
                if (!x.kind().isWrite() || x.outcome() == OpOutcome.FAIL) {
                    continue;
                }
                if (explainsFinal(x)) {
                    latestExplaining = Math.max(latestExplaining, x.returnNanos());
                }
                if (x.kind() != OpKind.APPEND) {
                    latestOverwrite = Math.max(latestOverwrite, x.returnNanos());
                }
                if (x.acknowledged()) {
                    latestAcknowledgedCall = Math.max(latestAcknowledgedCall, x.callNanos());
                }
            }
            for (HistoryEntry w : ops) {
                if (!w.acknowledged() || !w.kind().isWrite()) {
                    continue;
                }
                if (w.kind() == OpKind.APPEND && latestOverwrite <= w.callNanos()) {
                    if (finalValue == null || !finalValue.contains(w.value())) {
                        report("acknowledged " + op(w) + " is lost: no PUT or DELETE may have come after it, but the "
                                + "final value " + OpText.value(finalValue) + " does not contain its suffix");
                    }
                } else if (!explainsFinal(w) && latestExplaining <= w.callNanos()
                        && latestAcknowledgedCall <= w.returnNanos()) {
                    report("acknowledged " + op(w) + " is lost: the key holds " + OpText.value(finalValue)
                            + ", which neither it nor any write that may have come after it would leave");
                }
            }
        }

        /** Distinct APPEND suffixes, none inside another suffix or inside a PUT value of the key. */
        private boolean appendSuffixesUnique() {
            List<String> suffixes = ops.stream().filter(op -> op.kind() == OpKind.APPEND).map(HistoryEntry::value).toList();
            if (suffixes.isEmpty() || suffixes.stream().anyMatch(String::isEmpty)) {
                return false;
            }
            List<String> putValues = ops.stream().filter(op -> op.kind() == OpKind.PUT).map(HistoryEntry::value).toList();
            // Sorting by length makes "inside another" a check against the longer ones only; fine for the few
            // thousand appends a key gets in a scenario.
            List<String> byLength = suffixes.stream().sorted(Comparator.comparingInt(String::length)).toList();
            for (int i = 0; i < byLength.size(); i++) {
                String suffix = byLength.get(i);
                for (int j = i + 1; j < byLength.size(); j++) {
                    if (byLength.get(j).contains(suffix)) {
                        return false;
                    }
                }
                for (String put : putValues) {
                    if (put.contains(suffix)) {
                        return false;
                    }
                }
            }
            return true;
        }

        private void checkAppliedOnce() {
            if (finalValue == null) {
                return;
            }
            for (HistoryEntry append : ops) {
                if (append.kind() != OpKind.APPEND) {
                    continue;
                }
                int times = occurrences(finalValue, append.value());
                if (times > 1) {
                    report(op(append) + " took effect " + times + " times: its suffix appears " + times
                            + " times in the final value " + OpText.value(finalValue));
                }
            }
        }

        private void checkAppendOrder() {
            if (finalValue == null) {
                return;
            }
            long latestOverwrite = ops.stream()
                    .filter(x -> (x.kind() == OpKind.PUT || x.kind() == OpKind.DELETE) && x.outcome() != OpOutcome.FAIL)
                    .mapToLong(HistoryEntry::returnNanos).max().orElse(Long.MIN_VALUE);
            // Acknowledged appends that no PUT or DELETE may follow, present in F: their order in F is their order.
            List<HistoryEntry> surviving = ops.stream()
                    .filter(a -> a.kind() == OpKind.APPEND && a.acknowledged() && latestOverwrite <= a.callNanos()
                            && finalValue.contains(a.value()))
                    .toList();
            List<HistoryEntry> byReturn = surviving.stream().sorted(Comparator.comparingLong(HistoryEntry::returnNanos)).toList();
            List<HistoryEntry> byCall = surviving.stream().sorted(Comparator.comparingLong(HistoryEntry::callNanos)).toList();
            int returned = 0;
            HistoryEntry latestInValue = null; // among those returned so far, the one whose suffix comes last in F
            for (HistoryEntry b : byCall) {
                while (returned < byReturn.size() && byReturn.get(returned).returnNanos() < b.callNanos()) {
                    HistoryEntry a = byReturn.get(returned++);
                    if (latestInValue == null || position(a) > position(latestInValue)) {
                        latestInValue = a;
                    }
                }
                if (latestInValue != null && position(latestInValue) > position(b)) {
                    report("appends out of order: " + op(latestInValue) + " returned before " + op(b)
                            + " was called, but the final value " + OpText.value(finalValue) + " holds the latter's suffix first");
                }
            }
        }

        private int position(HistoryEntry append) {
            return finalValue.indexOf(append.value());
        }

        private void checkFailedWrites(boolean appendSuffixesUnique) {
            boolean hasAppends = ops.stream().anyMatch(op -> op.kind() == OpKind.APPEND);
            for (HistoryEntry failed : ops) {
                if (failed.outcome() != OpOutcome.FAIL) {
                    continue;
                }
                if (failed.kind() == OpKind.PUT && !hasAppends && uniquePutValue(failed)) {
                    if (failed.value().equals(finalValue)) {
                        report(op(failed) + " failed but appears applied: its value is the final value");
                    }
                    for (HistoryEntry read : ops) {
                        if (read.kind() == OpKind.GET && read.acknowledged() && failed.value().equals(read.observed())) {
                            report(op(failed) + " failed but appears applied: " + op(read) + " read its value");
                            break;
                        }
                    }
                } else if (failed.kind() == OpKind.APPEND && appendSuffixesUnique) {
                    String suffix = failed.value();
                    if (finalValue != null && finalValue.contains(suffix)) {
                        report(op(failed) + " failed but appears applied: the final value " + OpText.value(finalValue)
                                + " contains its suffix");
                    }
                    for (HistoryEntry seen : ops) {
                        if ((seen.kind() == OpKind.GET || seen.kind() == OpKind.APPEND) && seen.acknowledged()
                                && seen.observed() != null && seen.observed().contains(suffix)) {
                            report(op(failed) + " failed but appears applied: " + op(seen) + " saw its suffix");
                            break;
                        }
                    }
                }
            }
        }

        private boolean uniquePutValue(HistoryEntry failed) {
            return ops.stream().noneMatch(other -> other != failed && other.kind() == OpKind.PUT
                    && other.value().equals(failed.value()));
        }

        private static int occurrences(String text, String part) {
            int count = 0;
            for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
                count++;
            }
            return count;
        }
    }
}
