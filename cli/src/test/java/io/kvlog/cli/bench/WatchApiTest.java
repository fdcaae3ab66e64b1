package io.kvlog.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's readers of kvlog's and etcd's watch streams, and the requests they send. */
class WatchApiTest {

    /** What a stream said, in order, as text. */
    static final class Said implements WatchApi.Sink {
        final List<String> events = new ArrayList<>();

        @Override
        public void ready() {
            events.add("ready");
        }

        @Override
        public void change(String key, long version) {
            events.add(key + "@" + version);
        }

        @Override
        public void progress(boolean caughtUp) {
            events.add("progress " + caughtUp);
        }

        @Override
        public void error(String message) {
            events.add("error " + message);
        }
    }

    private static void feed(WatchApi.StreamReader reader, String stream) {
        for (String line : stream.split("\n", -1)) {
            reader.line(Buffer.buffer(line));
        }
    }

    @Test
    void readsKvlogsServerSentEvents() {
        // Given a kvlog stream: the opening comment, two changes, a progress event, an error
        Said said = new Said();
        WatchApi.StreamReader reader = new KvlogWatchApi(List.of(URI.create("http://127.0.0.1:1")), "now").reader(said);

        // When it is read line by line
        feed(reader, """
                : watch n1-w1 on n1

                id: 0:5,1:-1
                data: {"key":"p/1","type":"put","value":"abc","version":6,"token":"0:5","id":"x","time":"t"}

                id: 0:7,1:-1\r
                data: {"key":"p/2","type":"delete","value":null,"version":8,"token":"0:7","id":null,"time":"t"}\r
                \r
                event: progress
                id: 0:7,1:-1
                data: {"positions":"0:7,1:-1","caughtUp":true}

                data: {"key":"p/3","type":"put","value":"a","version":9}

                event: error
                data: {"error":"WATCHER_TOO_SLOW","message":"m"}
                """);

        // Then each event is what the server meant, and a data line after a blank line is a change again
        assertEquals(List.of("ready", "p/1@6", "p/2@8", "progress true", "p/3@9",
                "error {\"error\":\"WATCHER_TOO_SLOW\",\"message\":\"m\"}"), said.events);
    }

    @Test
    void aChangeWhoseValueLooksLikeItsFieldsIsParsedAsJson() {
        long[] version = new long[1];

        // a value that mentions "version": (escaped, so never mistaken for the field) and a key with an escape (JSON path)
        assertEquals("k", KvlogWatchApi.keyAndVersion(
                "{\"key\":\"k\",\"type\":\"put\",\"value\":\"\\\"version\\\":1\",\"version\":42,\"id\":null}", version));
        assertEquals(42, version[0]);
        assertEquals("a\"b", KvlogWatchApi.keyAndVersion("{\"key\":\"a\\\"b\",\"version\":7}", version));
        assertEquals(7, version[0]);
        // fields in another order too
        assertEquals("z", KvlogWatchApi.keyAndVersion("{\"version\":3,\"key\":\"z\"}", version));
        assertEquals(3, version[0]);
        assertThrows(IllegalArgumentException.class, () -> KvlogWatchApi.keyAndVersion("{not json", version));
    }

    @Test
    void kvlogWritesAckWithTheKeysVersionAndWatchesAPrefixFromWhereAsked() {
        KvlogWatchApi api = new KvlogWatchApi(List.of(URI.create("http://127.0.0.1:1")), "0");

        assertEquals(12, api.ackedVersion(200, Buffer.buffer(
                "{\"result\":\"OperationAck\",\"id\":\"i\",\"key\":\"k\",\"version\":12,\"token\":\"0:11\"}")));
        assertEquals(-1, api.ackedVersion(504, Buffer.buffer("{\"result\":\"OperationFailed\"}")));
        assertEquals("/v1/kv/p%2F1?wait=log", api.write("p/1", "v").uri());
        assertEquals("/v1/watch?prefix=catch-up-x%2F&from=0&progress-ms=1000", api.watch("catch-up-x/").uri());
    }

    @Test
    void readsEtcdsGatewayStream() {
        // Given the gateway's lines: created, one response with two events, a cancel
        Said said = new Said();
        WatchApi.StreamReader reader = new EtcdWatchApi(List.of(URI.create("http://127.0.0.1:1"))).reader(said);
        String k1 = b64("p/1");
        String k2 = b64("p/2");

        // When it is read
        feed(reader, "{\"result\":{\"header\":{\"revision\":\"4\"},\"created\":true}}\n"
                + "{\"result\":{\"header\":{\"revision\":\"6\"},\"events\":[{\"kv\":{\"key\":\"" + k1
                + "\",\"create_revision\":\"5\",\"mod_revision\":\"5\",\"version\":\"1\",\"value\":\"dg==\"}},"
                + "{\"kv\":{\"key\":\"" + k2 + "\",\"mod_revision\":\"6\",\"version\":\"3\"}}]}}\n"
                + "{\"error\":{\"grpc_code\":1,\"message\":\"context canceled\"}}\n");

        // Then the changes carry the revisions their puts acked with
        assertEquals(List.of("ready", "p/1@5", "p/2@6", "error {\"grpc_code\":1,\"message\":\"context canceled\"}"),
                said.events);
        EtcdWatchApi api = new EtcdWatchApi(List.of(URI.create("http://127.0.0.1:1")));
        assertEquals(9, api.ackedVersion(200, Buffer.buffer(
                "{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"2\",\"revision\":\"9\",\"raft_term\":\"2\"}}")));
        assertEquals(-1, api.ackedVersion(503, Buffer.buffer("{}")));
    }

    @Test
    void etcdEventsInAnotherShapeAreParsedAsJson() {
        // Given an event line whose kv starts with another field (no fast path), and one fast
        Said said = new Said();
        String slow = "{\"result\":{\"events\":[{\"type\":\"DELETE\",\"kv\":{\"mod_revision\":\"8\",\"key\":\""
                + b64("p/3") + "\"}}]}}";
        String fast = "{\"result\":{\"events\":[{\"kv\":{\"key\":\"" + b64("p/4")
                + "\",\"create_revision\":\"9\",\"mod_revision\":\"9\",\"version\":\"1\"}}]}}";

        // Then both are read
        assertEquals(false, EtcdWatchApi.readEvents(slow, said));
        feed(new EtcdWatchApi(List.of(URI.create("http://127.0.0.1:1"))).reader(said), slow + "\n" + fast);
        assertEquals(List.of("p/3@8", "p/4@9"), said.events);
    }

    @Test
    void etcdWatchesTheRangeOfThePrefix() {
        // the range of "w/" is ["w/", "w0")
        assertEquals("{\"create_request\":{\"key\":\"" + b64("w/") + "\",\"range_end\":\"" + b64("w0") + "\"}}",
                EtcdWatchApi.createBody("w/"));
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
