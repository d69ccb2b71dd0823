package dev.jitogen.plugins.service;

import dev.jitogen.core.CallError;
import dev.jitogen.core.ChannelError;
import dev.jitogen.core.Context;
import dev.jitogen.core.JitogenError;
import dev.jitogen.core.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The service framework between real child JVMs: a parent activates, a sibling may only call what a parent
 * activated and what {@link Expose.Policy#ANY} allows, arguments are checked, the pool is bounded, and a stopped
 * pool answers "invalid handle".
 */
class ServicePoolTest {
    static final String ECHO = EchoService.class.getName(), OTHER = OtherService.class.getName();
    static Router router;
    static Context a, b;

    @BeforeAll
    static void start() {
        router = Router.create();
        a = router.local();
        b = router.local();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    @Test
    void aParentsFirstCallsActivateTheServiceExactlyOnce() {
        Context c = router.local();
        List<CompletableFuture<Object>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) calls.add(CompletableFuture.supplyAsync(() -> Services.call(c, EchoService.class, "activations")));
        for (CompletableFuture<Object> f : calls) assertEquals(1, f.join());
        assertEquals("hi from 0 (privileged)", Services.call(c, EchoService.class, "echo", "hi"));
        assertEquals(1, Services.call(c, EchoService.class, "activations"), "later calls reuse the instance");
        assertEquals(1, c.call(() -> EchoService.ACTIVATIONS.get()));
        c.shutdown();
    }

    @Test
    void aSiblingCallsWhatAnyMayCallButNotParentsOnlyMethods() {
        ServiceRef refB = Services.ref(b);
        assertEquals("the secret", refB.call(ECHO, "secret"), "the parent may");
        assertEquals("hi from " + a.id(), a.call(() -> refB.call(ECHO, "echo", "hi")));
        CallError e = assertThrows(CallError.class, () -> a.call(() -> refB.call(ECHO, "secret")));
        assertTrue(e.getMessage().contains("Caller is not authorized to invoke 'secret' of service '" + ECHO + "'"),
                e.getMessage());
        CallError hidden = assertThrows(CallError.class, () -> refB.call(ECHO, "notExposed"));
        assertTrue(hidden.getMessage().contains("No such method: 'notExposed'"), hidden.getMessage());
    }

    @Test
    void aSiblingCannotActivateAService() {
        ServiceRef refB = Services.ref(b);
        CallError e = assertThrows(CallError.class, () -> a.call(() -> refB.call(OTHER, "hello")));
        assertTrue(e.getMessage().contains("Service '" + OTHER + "' is not yet activated in this context, and the "
                + "caller is not privileged, therefore autoactivation is disabled."), e.getMessage());
        assertEquals("hello", refB.call(OTHER, "hello"), "the parent can");
    }

    @Test
    void aSiblingCannotActivateTheFramework() {
        Context fresh = router.local();
        JitogenError e = assertThrows(JitogenError.class, () -> a.call(() -> fresh.call(ServicePool::activate)));
        assertTrue(e.getMessage().contains("CALL_FUNCTION") || e.getMessage().contains("parent"), e.getMessage());
        assertFalse(fresh.call(() -> ServicePool.of(Router.current()).handle() > 0 && false));
        fresh.shutdown();
    }

    @Test
    void argumentsAreCheckedAgainstTheDeclaredTypesBeforeTheMethodRuns() {
        ServiceRef refB = Services.ref(b);
        CallError type = assertThrows(CallError.class, () -> refB.call(ECHO, "echo", 42L));
        assertTrue(type.getMessage().contains("argument 1 of 'echo' of service '" + ECHO + "' must be String, not Long"),
                type.getMessage());
        CallError count = assertThrows(CallError.class, () -> refB.call(ECHO, "echo", "x", "y"));
        assertTrue(count.getMessage().contains("takes 1 arguments, not 2"), count.getMessage());
        CallError nul = assertThrows(CallError.class, () -> refB.call(ECHO, "hold", (Object) null));
        assertTrue(nul.getMessage().contains("must be long, not null"), nul.getMessage());
    }

    @Test
    void callsRunOnABoundedPool() {
        ServiceRef refB = Services.ref(b);
        int n = ServicePool.THREADS + 8;
        List<CompletableFuture<Object>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) calls.add(CompletableFuture.supplyAsync(() -> refB.call(ECHO, "hold", 300L),
                java.util.concurrent.Executors.newSingleThreadExecutor()));
        int most = 0;
        for (CompletableFuture<Object> f : calls) most = Math.max(most, (Integer) f.join());
        assertTrue(most <= ServicePool.THREADS, "at most " + ServicePool.THREADS + " at once, saw " + most);
        assertTrue(most > 1, "calls do run in parallel: " + most);
    }

    @Test
    void requestsWaitingForAThreadAreBoundedInBytes() {
        ServiceRef refB = Services.ref(b);
        CallError e = assertThrows(CallError.class, () -> a.call(() -> refB.call(ECHO, "echo", new byte[17 << 20])));
        assertTrue(e.getMessage().contains("over its 16 MiB limit"), e.getMessage());
        assertEquals("still here from " + a.id(), a.call(() -> refB.call(ECHO, "echo", "still here")));
    }

    @Test
    void aStoppedPoolAnswersInvalidHandle() {
        Context c = router.local();
        ServiceRef ref = Services.ref(c);
        assertEquals("hello", ref.call(OTHER, "hello"));
        c.call(() -> ServicePool.of(Router.current()).stop());
        ChannelError e = assertThrows(ChannelError.class, () -> ref.call(OTHER, "hello"));
        assertTrue(e.getMessage().startsWith("invalid handle"), e.getMessage());
        c.shutdown();
    }

    @Test
    void aCallToAHandleWhereNoPoolListensFailsAtOnceInsteadOfHanging() {
        int nowhere = 987_654; // no pool was activated at this handle of a (nor any handler registered)
        ChannelError e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(ChannelError.class, () -> ServiceRef.of(router, a.id(), nowhere).call(ECHO, "echo", "hi")),
                "the call waited for a reply that never comes");
        assertTrue(e.getMessage().contains("no service pool at handle " + nowhere + " of " + a.name()), e.getMessage());
        int bId = b.id();
        String fromSibling = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> a.call(() -> {
            try {
                ServiceRef.of(Router.current(), bId, nowhere).call(ECHO, "echo", "hi");
                return "no error";
            } catch (ChannelError ce) {
                return ce.getMessage();
            }
        }));
        assertTrue(fromSibling.contains("no service pool at handle " + nowhere), fromSibling);
    }
}
