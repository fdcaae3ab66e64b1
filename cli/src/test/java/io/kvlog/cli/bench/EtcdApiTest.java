package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final EtcdApi etcd = new EtcdApi(List.of(URI.create("http://127.0.0.1:2379")));

    @Test
    void putCarriesBase64KeyAndValue() throws Exception {
        BenchTarget.Request put = etcd.write("bench-7", "välue", new Workload("write", 0, "linearizable", "log"));
        assertEquals(HttpMethod.POST, put.method());
        assertEquals("/v3/kv/put", put.uri());
        JsonNode body = JSON.readTree(put.body().toString(StandardCharsets.UTF_8));
        assertEquals("bench-7", decode(body.get("key").asText()));
        assertEquals("välue", decode(body.get("value").asText()));
    }

    @Test
    void linearizableReadIsTheDefaultRangeAndEventualIsSerializable() throws Exception {
        JsonNode linearizable = JSON.readTree(etcd.read("k", new Workload("r", 100, "linearizable", "log"))
                .body().toString(StandardCharsets.UTF_8));
        JsonNode eventual = JSON.readTree(etcd.read("k", new Workload("r", 100, "eventual", "log"))
                .body().toString(StandardCharsets.UTF_8));
        assertEquals("k", decode(linearizable.get("key").asText()));
        assertFalse(linearizable.has("serializable"));
        assertTrue(eventual.get("serializable").asBoolean());
        assertEquals("/v3/kv/range", etcd.read("k", new Workload("r", 100, "eventual", "log")).uri());
    }

    @Test
    void aRangeSucceedsOnlyIfItFoundTheKey() {
        assertTrue(etcd.success(true, 200, Buffer.buffer("{\"header\":{},\"kvs\":[{\"key\":\"aw==\"}],\"count\":\"1\"}")));
        assertFalse(etcd.success(true, 200, Buffer.buffer("{\"header\":{}}")));
        assertFalse(etcd.success(false, 503, Buffer.buffer("{}")));
        assertTrue(etcd.success(false, 200, Buffer.buffer("{\"header\":{}}")));
    }

    @Test
    void sessionReadsHaveNoEtcdEquivalent() {
        assertFalse(etcd.supports(new Workload("s", 100, "session", "log")));
        assertTrue(etcd.supports(new Workload("w", 0, "session", "log")));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
