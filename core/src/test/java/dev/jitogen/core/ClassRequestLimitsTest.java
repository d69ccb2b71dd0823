package dev.jitogen.core;

import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.wire.Handles;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Class requests are a child's to choose, so what they can cost is bounded: a flood of made-up names costs the
 * master a few MB and delays other contexts' requests by a request or two, a relay caps what each of its children
 * may have waiting, and a name no class can have is refused.
 */
class ClassRequestLimitsTest {
    /** Loads a class by name, so that the call needs a GET_CLASS (the lambda's own classes are pushed with it). */
    private static final RemoteCallable<String> SHOUT = () -> (String) Class.forName("dev.jitogen.core.fixtures.Shouter")
            .getMethod("shout", String.class).invoke(null, "hi");

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    @Test
    void aFloodOf200000ClassRequestsCostsTheMasterLittleAndDelaysNoOne() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context flooder = router.local(LocalOptions.builder().name("flooder").build());
            Context bystander = router.local(LocalOptions.builder().name("bystander").build());
            flooder.call(() -> 1);
            bystander.call(() -> 1);
            long before = usedHeapAfterGc();
            int me = flooder.id();
            long t0 = System.nanoTime();
            flooder.call(() -> {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int i = 0; i < 200_000; i++) {
                    byte[] name = ("flood.Made" + i).getBytes(StandardCharsets.UTF_8);
                    all.writeBytes(RawFrames.frame(0, me, me, Handles.GET_CLASS, 0, name));
                }
                RawFrames.writeRaw(all.toByteArray());
                return null;
            });
            // its reply came after the flood on the same stream: every request has been read, and queued or dropped
            long flooded = System.nanoTime() - t0;
            long grown = usedHeapAfterGc() - before;
            long t1 = System.nanoTime();
            assertEquals("HI!", bystander.call(SHOUT));
            long bystanderNanos = System.nanoTime() - t1;
            long served = router.stats().requests();
            System.out.printf("flood of 200,000 class requests: sent in %.0f ms, master heap +%.1f MB; a bystander's "
                    + "class request then took %.0f ms, with %d of the flood's served%n", flooded / 1e6, grown / 1e6,
                    bystanderNanos / 1e6, served);
            assertTrue(grown < 16 << 20, "the flood grew the master's heap by " + grown + " bytes");
            assertTrue(served < 100_000, "the bystander's request waited behind " + served + " of the flood's");
            assertTrue(log.await("class requests from Stream(flooder) are flooding in", Duration.ofSeconds(5)),
                    log.lines().toString());
            assertEquals(2, flooder.call(() -> 2), "the flooder itself still works");
        }
    }

    @Test
    void aGrandchildFloodingClassRequestsIsCappedByItsParent() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context a = router.local(LocalOptions.builder().name("a").build());
            Context b = router.local(LocalOptions.builder().name("b").via(a).build());
            Context c = router.local(LocalOptions.builder().name("c").via(a).build());
            int me = b.id(), parent = a.id();
            b.call(() -> {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int i = 0; i < 20_000; i++) {
                    byte[] name = ("flood.Made" + i).getBytes(StandardCharsets.UTF_8);
                    all.writeBytes(RawFrames.frame(parent, me, me, Handles.GET_CLASS, 0, name));
                }
                RawFrames.writeRaw(all.toByteArray());
                return null;
            });
            assertTrue(log.await("context " + me + " has 256 class requests waiting", Duration.ofSeconds(10)),
                    log.lines().toString());
            assertEquals("HI!", c.call(SHOUT), "b's sibling still gets its classes through a");
            assertEquals(1, b.call(() -> 1));
        }
    }

    @Test
    void aClassNameOver64KBIsRefused() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context c = router.local();
            int me = c.id();
            long t0 = System.nanoTime();
            c.call(() -> {
                RawFrames.write(0, me, me, Handles.GET_CLASS, 0, "a".repeat(70_000).getBytes(StandardCharsets.UTF_8));
                return null;
            });
            assertTrue(log.await("70000 bytes that cannot be a class name", Duration.ofSeconds(5)),
                    "no refusal logged");
            System.out.printf("a 70,000-byte class name: refused %.1f ms after the call that sent it began%n",
                    (System.nanoTime() - t0) / 1e6);
            assertEquals("HI!", c.call(SHOUT), "class serving goes on for that context");
        }
    }
}
