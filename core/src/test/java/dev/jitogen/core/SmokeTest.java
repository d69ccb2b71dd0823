package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    @Test
    void pid() {
        try (Router router = Router.create()) {
            Context local = router.local();
            long pid = local.call(() -> ProcessHandle.current().pid());
            assertEquals(local.pid(), pid);
            String v = local.callAsync(() -> System.getProperty("java.version")).get(Duration.ofSeconds(5));
            assertNotNull(v);
            System.out.println("stats " + router.stats() + " bundle " + CoreBundle.get().compressed().length + " classes " + CoreBundle.get().names().size());
        }
    }
}
