package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a router runs on (Mitogen's Broker). Jitogen uses blocking I/O: each stream has its own reader thread
 * made here; besides those the broker keeps one timer thread (connect timeouts, shutdown grace, stream watchdogs), a
 * small pool of service threads (class serving), and each stream's reader and writer threads (a writer lives while
 * its stream has bytes to write; one blocked by a peer that does not read blocks nothing else), so that nothing
 * slow runs on a reader thread. All threads are daemons: a forgotten router never keeps the JVM alive, and its
 * children exit when the JVM does. None of them waits for a stream's queue to drain ({@link Stream#markIoThread}).
 *
 * <p>Created and closed by its {@link Router}; any thread may call its methods.
 */
public final class Broker implements AutoCloseable {
    private final AtomicInteger serial = new AtomicInteger();
    private final ThreadFactory threads = r -> {
        // an in-process context's runtime is inherited by threads its main thread starts: not by the router's own
        Thread t = new Thread(() -> {
            ChildRuntime.clearCurrent();
            Stream.markIoThread();
            r.run();
        }, "jitogen-" + serial.incrementAndGet());
        t.setDaemon(true);
        return t;
    };
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(named("jitogen-timer"));
    private final ExecutorService services = Executors.newFixedThreadPool(2, named("jitogen-service"));
    /** Prints forwarded log lines in order; bounded, so a stalled printer drops lines instead of memory. */
    private final ExecutorService logs = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(10_000), named("jitogen-log"));

    Broker() {}

    private ThreadFactory named(String name) {
        return r -> {
            Thread t = threads.newThread(r);
            t.setName(name + "-" + serial.get());
            return t;
        };
    }

    /** Makes daemon threads; used for stream readers. */
    public ThreadFactory threads() {
        return threads;
    }

    /** One thread for deadlines. Tasks on it must be short and must not block. */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /** Threads for work that may do I/O or take time but never runs user code: class serving. */
    public ExecutorService services() {
        return services;
    }

    /** One thread that prints forwarded log lines, in arrival order. */
    public ExecutorService logs() {
        return logs;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        services.shutdownNow();
        logs.shutdown(); // let queued lines print
    }
}
