package dev.jitogen.shell;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The {@code --json} writer: whatever a host prints or returns, a line stays one line of valid JSON. */
class JsonTest {
    @Test
    void textIsEscapedSoThatALineStaysOneValidLine() {
        assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t esc\\u001b del\\u007f ls\\u2028\"",
                Json.write("q\" b\\ n\n r\r t\t esc\u001b del\u007f ls\u2028"));
        assertEquals("\"pair \uD83D\uDE00 lone \\ud800 \\udc00\"", Json.write("pair \uD83D\uDE00 lone \uD800 \uDC00"),
                "a lone surrogate has no UTF-8 form: it is escaped, a pair is kept");
    }

    @Test
    void valuesKeepTheirJsonTypesAndOthersBecomeText() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", 3);
        m.put("l", 5_000_000_000L);
        m.put("d", 1.5);
        m.put("nan", Double.NaN);
        m.put("b", true);
        m.put("null", null);
        m.put("list", List.of(1, "x"));
        m.put("array", new int[]{1, 2});
        m.put("path", java.nio.file.Path.of("/etc"));
        assertEquals("{\"n\":3,\"l\":5000000000,\"d\":1.5,\"nan\":\"NaN\",\"b\":true,\"null\":null,\"list\":[1,\"x\"],"
                + "\"array\":[1,2],\"path\":\"/etc\"}", Json.write(m));
    }
}
