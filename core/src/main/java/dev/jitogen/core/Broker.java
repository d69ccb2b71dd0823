package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Log;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads a router runs on (Mitogen's Broker). Jitogen uses blocking I/O: each stream has its own reader thread
 * made here; besides those the broker keeps one timer thread (connect timeouts, shutdown grace, stream watchdogs), a
 * small pool of service threads (class serving), each stream's reader and writer threads (a writer lives while its
 * stream has bytes to write; one blocked by a peer that does not read blocks nothing else), so that nothing slow
 * runs on a reader thread, and <em>the broker thread</em>, started on first use, which runs the functions handed to
 * {@link #defer} and {@link #deferSync} one at a time in the order they came. Jitogen's own work never runs there: a
 * deferred function waits only for the ones before it. All threads are daemons: a forgotten router never keeps the
 * JVM alive, and its children exit when the JVM does. None of them waits for a stream's queue to drain
 * ({@link Stream#markIoThread}).
 *
 * <p>Created and closed by its {@link Router}; any thread may call its methods, except that {@link #deferSync},
 * which waits, refuses to on a stream's reader thread or the timer thread (as Netty's {@code checkDeadLock}
 * refuses to wait on an event loop): a reader that waits stops every message on its stream, the reply it might wait
 * for among them. A deferred function must not block for long: it holds up the ones queued behind it.
 */
public final class Broker implements AutoCloseable {
    /** Marks the timer thread, on which {@link #deferSync} must not wait; unset elsewhere. */
    private static final ThreadLocal<Boolean> NO_WAIT = new ThreadLocal<>();
    private static final int STREAM = 0, TIMER = 1, POOL = 2, BROKER = 3;

    private final AtomicInteger serial = new AtomicInteger();
    /**
     * Runs first on each of this broker's threads (see {@link #Broker(Runnable)}). Set by the constructor after the
     * executors below are made: they start their threads lazily, so no thread reads it before it is set.
     */
    private final Runnable threadStart;
    /** Makes each stream's threads. */
    private final ThreadFactory threads = new Threads(STREAM, "jitogen", null);
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(new Threads(TIMER, "jitogen-timer", null));
    private final ExecutorService services = Executors.newFixedThreadPool(2, new Threads(POOL, "jitogen-service", null));
    /** Prints forwarded log lines in order; bounded, so a stalled printer drops lines instead of memory. */
    private final ExecutorService logs = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(10_000), new Threads(POOL, "jitogen-log", null));
    /** The broker thread, once started; set by its thread factory. */
    private volatile Thread brokerThread;
    /** Runs deferred functions, in order, on the broker thread. */
    private final ExecutorService deferred =
            Executors.newSingleThreadExecutor(new Threads(BROKER, "jitogen-broker", null));

    /**
     * @param threadStart runs first on each of the broker's threads: the router clears there what a thread inherits
     *                    from the one that created it (an in-process context's runtime is inherited by the threads
     *                    its main thread starts, not by the router's own)
     */
    Broker(Runnable threadStart) {
        this.threadStart = threadStart;
    }

    /**
     * Makes the broker's daemon threads of one kind, named {@code name-N}; and, as a thread's task, runs the
     * broker's start of a thread, then the executor's work. One class for all of them: a child spins a class for
     * each lambda of its start path, at about half a millisecond of CPU each (How it works, "A child's start").
     */
    private final class Threads implements ThreadFactory, Runnable {
        private final int kind;
        private final String name;
        private final Runnable work;

        Threads(int kind, String name, Runnable work) {
            this.kind = kind;
            this.name = name;
            this.work = work;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(new Threads(kind, name, r), name + "-" + serial.incrementAndGet());
            t.setDaemon(true);
            if (kind == BROKER) brokerThread = t;
            return t;
        }

        @Override
        public void run() {
            threadStart.run();
            Stream.markIoThread();
            if (kind == TIMER) NO_WAIT.set(Boolean.TRUE);
            work.run();
        }
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

    /**
     * Runs {@code fn} on the broker thread, after the functions deferred before it, or at once if called on the
     * broker thread (Mitogen's {@code Broker.defer}). Returns at once; a failure of {@code fn} is logged.
     *
     * @throws IllegalStateException if the broker is closed
     */
    public void defer(Runnable fn) {
        Runnable logged = () -> {
            try {
                fn.run();
            } catch (RuntimeException | LinkageError | AssertionError e) {
                Log.warning("a function deferred to the broker failed", e);
            }
        };
        if (isBrokerThread()) logged.run();
        else submit(logged);
    }

    /**
     * Runs {@code fn} on the broker thread and waits for its result (Mitogen's {@code Broker.defer_sync}); on the
     * broker thread itself it runs at once. Its exception is thrown here (a checked one wrapped in
     * {@link JitogenError}).
     *
     * @throws IllegalStateException on a stream's reader thread or the timer thread, which must never wait; or if
     *                               the broker is closed
     */
    public <T> T deferSync(java.util.concurrent.Callable<T> fn) {
        if (isBrokerThread()) return callHere(fn);
        if (dev.jitogen.core.stream.Stream.isReaderThread() || NO_WAIT.get() != null) {
            throw new IllegalStateException("Broker.deferSync() called on " + Thread.currentThread().getName()
                    + ", an I/O thread that must never wait: it would stop the messages it carries, perhaps the one "
                    + "the function waits for. Use defer(), or call deferSync() from a thread of your own.");
        }
        java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
        submit(() -> {
            try {
                result.complete(fn.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JitogenError("interrupted while waiting for a function deferred to the broker", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new JitogenError("a function deferred to the broker failed: " + cause, cause);
        }
    }

    /** True on the broker thread, where {@link #defer} runs its function at once. */
    public boolean isBrokerThread() {
        return Thread.currentThread() == brokerThread;
    }

    private static <T> T callHere(java.util.concurrent.Callable<T> fn) {
        try {
            return fn.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new JitogenError("a function deferred to the broker failed: " + e, e);
        }
    }

    private void submit(Runnable r) {
        try {
            deferred.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("the broker is closed (its router was closed)");
        }
    }

    /** Stops the threads; functions already deferred still run, later ones are refused. */
    @Override
    public void close() {
        timer.shutdownNow();
        services.shutdownNow();
        logs.shutdown(); // let queued lines print
        deferred.shutdown(); // a deferSync caller is waiting for what is queued
    }
}
