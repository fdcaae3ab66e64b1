package io.kvlog.client;

/**
 * One operation of the message protocol ({@link KvClient#ops}): {@code Insert(key, value, id)},
 * {@code Remove(key, id)} or {@code Get(key, id)}. A write given no id gets one from the client
 * (a UUID), so a retry on another node takes effect at most once.
 */
public record Op(String op, String key, String value, String id) {

    public static Op insert(String key, String value, String id) {
        return new Op("Insert", key, value, id);
    }

    public static Op remove(String key, String id) {
        return new Op("Remove", key, null, id);
    }

    public static Op get(String key, String id) {
        return new Op("Get", key, null, id);
    }
}
