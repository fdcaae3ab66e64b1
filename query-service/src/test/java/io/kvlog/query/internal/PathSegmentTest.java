package io.kvlog.query.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

class PathSegmentTest {

    @Test
    void unreservedCharactersStayEverythingElseIsPercentEncoded() {
        assertEquals("aZ09-._~", PathSegment.encode("aZ09-._~"));
        assertEquals("a%2Fb%20c%3F%23%25", PathSegment.encode("a/b c?#%"));
        assertEquals("%C3%A9%F0%9F%98%80", PathSegment.encode("é\uD83D\uDE00"));
    }

    @Test
    void anEncodedSegmentDecodesBackToTheKey() {
        String key = "a/b c?#%+é";

        assertEquals("/v1/kv/" + key, URI.create("/v1/kv/" + PathSegment.encode(key)).getPath());
    }
}
