package io.kvlog.query.internal;

import io.kvlog.protocol.Entry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * A page of one partition's copy, in key order, tombstones included (they advance the scan
 * past themselves); {@code exhausted} when the copy holds nothing more in the range.
 *
 * @param position the offset the copy had applied when it was read
 */
public record RangePage(List<KeyValue<String, Entry>> items, boolean exhausted, long position) {

    public RangePage {
        items = List.copyOf(items);
    }

    public JsonObject toJson() {
        JsonArray array = new JsonArray();
        for (KeyValue<String, Entry> item : items) {
            JsonObject json = new JsonObject().put("key", item.key).put("version", item.value.version());
            if (item.value.deleted()) {
                json.put("deleted", true);
            } else {
                json.put("value", item.value.value());
            }
            array.add(json);
        }
        return new JsonObject().put("items", array).put("exhausted", exhausted).put("position", position);
    }

    /** @throws IllegalArgumentException (or ClassCastException/NullPointerException) on a malformed page */
    public static RangePage fromJson(JsonObject json) {
        JsonArray array = json.getJsonArray("items");
        List<KeyValue<String, Entry>> items = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonObject item = array.getJsonObject(i);
            long version = item.getLong("version");
            Entry entry = item.getBoolean("deleted", false) ? Entry.tombstone(version)
                    : Entry.present(item.getString("value"), version);
            items.add(KeyValue.pair(item.getString("key"), entry));
        }
        return new RangePage(items, json.getBoolean("exhausted"), json.getLong("position"));
    }
}
