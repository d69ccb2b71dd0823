package dev.jitogen.shell;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One run of every benchmark workload against real child JVMs: each row is measured and the JSON has the shape
 * bench/compare-mitogen reads. Checks that the benchmark works, never how fast anything is.
 */
class BenchTest {
    private static final List<String> ROWS = List.of("cold_start_first_call_ms", "noop_call_rtt_us",
            "async_noop_calls_per_s", "echo_8MiB_MBps", "fanout_20_local_s", "child_rss_mb", "two_hop_noop_rtt_us",
            "first_call_round_trips_50_classes", "put_256MiB_MBps", "get_256MiB_MBps", "push_10_via_one_bytes_ratio");

    @Test
    void everyRowIsMeasuredAndPrintedAsJson() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setProperty("jitogen.bench.fileBytes", Long.toString(16 << 20)); // the rows work; speed is not checked
        Bench.run(new Bench.Options(1, null, null, "enforce", true), new PrintStream(buf, true, StandardCharsets.UTF_8));
        String json = buf.toString(StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"tool\": \"jitogen\""), json);
        for (String row : ROWS) {
            Matcher m = Pattern.compile("\\{\"name\": \"" + row + "\", \"unit\": \"[^\"]+\", \"better\": \"(lower|higher)\", "
                    + "\"min\": ([0-9.]+), \"median\": ([0-9.]+), \"max\": ([0-9.]+)\\}").matcher(json);
            assertTrue(m.find(), row + " missing from " + json);
            assertTrue(Double.parseDouble(m.group(3)) > 0, row + " is not positive: " + json);
        }
        // two round trips would mean the child asked for the lambda's class; the master sends it with the call
        assertTrue(json.contains("\"name\": \"first_call_round_trips_50_classes\", \"unit\": \"round trips\", "
                + "\"better\": \"lower\", \"min\": 1.000"), json);
        assertEquals(-1, json.indexOf("ssh_"), "no ssh rows without --ssh");
    }
}
