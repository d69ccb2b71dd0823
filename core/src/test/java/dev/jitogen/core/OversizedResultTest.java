package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A result too big for the child to encode is that call's failure; the child lives on and takes the next call. */
class OversizedResultTest {
    @Test
    void runningOutOfMemoryWhileEncodingAResultFailsOnlyThatCall() {
        List<String> flags = new ArrayList<>(LocalOptions.DEFAULT_JVM_FLAGS);
        flags.add("-Xmx96m");
        try (Router router = Router.create()) {
            Context small = router.local(LocalOptions.builder().jvmFlags(flags).build());
            // 36 MB fits the heap; encoding it needs the value, a buffer grown to its size and the finished copy
            Receiver<byte[]> r = small.callAsync(() -> new byte[36 << 20]);
            CallError e = assertThrows(CallError.class, () -> r.get(Duration.ofSeconds(60)));
            assertEquals(OutOfMemoryError.class.getName(), e.remoteClassName(), e.getMessage());
            assertTrue(e.getMessage().contains("byte[]") || e.getMessage().contains("[B"), e.getMessage());
            assertEquals("still here", small.call(() -> "still here"));
            assertEquals(1 << 20, small.call(() -> new byte[1 << 20]).length, "smaller results still travel");
        }
    }
}
