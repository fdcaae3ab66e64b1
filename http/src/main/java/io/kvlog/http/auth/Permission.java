package io.kvlog.http.auth;

import java.util.Locale;

/** What a role may do on the keys under a prefix (etcd's key-range model). */
public enum Permission {
    /** Get, history, scan and watch the keys. */
    READ,
    /** Put, append and delete the keys. */
    WRITE,
    /** The node's admin calls ({@code /v1/admin/*}: digests, apply confirmations); on the prefix "" only. */
    ADMIN;

    /** Its name in the auth file: {@code read}, {@code write}, {@code admin}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The permission named {@code text} in the auth file. */
    public static Permission of(String text) {
        for (Permission p : values()) {
            if (p.label().equals(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("permission: must be read, write or admin, got \"" + text + "\"");
    }
}
