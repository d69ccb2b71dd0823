package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Closing a router ends everything that waits on it at once: receivers, calls, connects in progress. */
class RouterCloseTest {
    @Test
    void closingTheRouterEndsEveryWait() throws Exception {
        Router router = Router.create();
        Receiver<String> values = Receiver.create(router); // waits on no context: only closing can end it
        CompletableFuture<RuntimeException> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                values.get(Duration.ofSeconds(30));
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        Thread.sleep(200);
        router.close();
        RuntimeException e = waiter.get(60, TimeUnit.SECONDS);
        assertInstanceOf(ChannelError.class, e);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        ChannelError late = assertThrows(ChannelError.class, () -> Receiver.create(router).get(Duration.ofSeconds(5)),
                "a receiver made after the close is ended at once");
        assertTrue(late.getMessage().contains("closed"), late.getMessage());
    }

    @Test
    void closingTheRouterCancelsAConnectInProgress() throws Exception {
        String hangs = Path.of(RouterCloseTest.class.getResource("/stubs/stub-java-hangs.sh").toURI()).toString();
        Router router = Router.create();
        long startedAt = System.nanoTime();
        CompletableFuture<RuntimeException> connect = CompletableFuture.supplyAsync(() -> {
            try {
                router.local(LocalOptions.builder().javaPath("/bin/sh", hangs).connectTimeout(Duration.ofSeconds(30)).build());
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        ProcessHandle stub = awaitDescendant("sleep 600", Duration.ofSeconds(20)); // the stub execs it
        assertNotNull(stub, "the hanging stub started");
        long closing = System.nanoTime();
        router.close();
        RuntimeException e = connect.get(60, TimeUnit.SECONDS);
        System.out.printf("connect cancelled %.0f ms after close() began (%.0f ms after it started)%n",
                (System.nanoTime() - closing) / 1e6, (System.nanoTime() - startedAt) / 1e6);
        assertInstanceOf(StreamError.class, e);
        assertTrue(e.getMessage().contains("connection cancelled because the router began to shut down"), e.getMessage());
        assertTrue(Processes.gone(stub.pid(), Duration.ofSeconds(5)), "the half-started process is gone");
    }

    /** The first process below this JVM whose command line contains {@code text}, waiting up to {@code within}. */
    private static ProcessHandle awaitDescendant(String text, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            ProcessHandle found = ProcessHandle.current().descendants()
                    .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
                    .findFirst().orElse(null);
            if (found != null) return found;
            Thread.sleep(20);
        }
        return null;
    }
}
