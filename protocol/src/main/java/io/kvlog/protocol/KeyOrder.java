package io.kvlog.protocol;

import java.util.Comparator;

/**
 * The order of keys in the stores (RocksDB compares their UTF-8 bytes), and so of scans and
 * digests: by code point.
 * {@link String#compareTo} orders by UTF-16 unit and differs outside the BMP.
 */
public final class KeyOrder implements Comparator<String> {

    public static final KeyOrder INSTANCE = new KeyOrder();

    private KeyOrder() {
    }

    @Override
    public int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /** The larger of two keys, null counting as "no bound" (smallest). */
    public static String max(String a, String b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return INSTANCE.compare(a, b) >= 0 ? a : b;
    }
}
