package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Prints the log records children forward (FORWARD_LOG; master layer, Mitogen's {@code LogForwarder} on the master
 * side) through {@code java.util.logging}, as {@code dev.jitogen.ctx.NAME}, and keeps each context's recent lines.
 *
 * <p>Threads: {@link #onForwardLog} runs on a reader thread and only queues; printing, which may block (a paused
 * terminal, a full pipe), runs on the broker's single log thread, in arrival order. {@link #awaitLogs} waits on
 * {@code doneLock}, which guards {@code done} only; it is never called on a reader thread.
 */
final class LogPrinter {
    private final Router router;
    /**
     * Forwarded log records handed to the log thread, and those it has finished with (printed or dropped): a caller
     * that got a reply waits until every record that arrived before it is printed, so a call's output shows before
     * its result.
     */
    private final AtomicLong queued = new AtomicLong();
    /** Guarded by doneLock (waiters wait on it). */
    private long done;
    private final Object doneLock = new Object();

    LogPrinter(Router router) {
        this.router = router;
    }

    /** FORWARD_LOG from a context. Reader thread: queues for the log thread, never blocks. */
    void onForwardLog(Message m) {
        queued.incrementAndGet();
        try {
            router.broker().logs().execute(() -> {
                try {
                    print(m);
                } finally {
                    finished();
                }
            });
        } catch (RejectedExecutionException e) {
            // the log queue is full or the router is closing: drop the line rather than stall the stream
            finished();
        }
    }

    private void finished() {
        synchronized (doneLock) {
            done++;
            doneLock.notifyAll();
        }
    }

    /** How many forwarded log records have arrived so far: a mark for {@link #awaitLogs}. Any thread. */
    long logMark() {
        return queued.get();
    }

    /**
     * Waits until the first {@code mark} forwarded records are printed, at most {@code maxNanos}: what a context
     * printed during a call shows before the call's result. Never on a reader thread (it would wait for itself).
     */
    void awaitLogs(long mark, long maxNanos) {
        if (mark == 0 || Stream.isReaderThread()) return;
        long deadline = System.nanoTime() + maxNanos;
        boolean interrupted = false;
        synchronized (doneLock) {
            while (done < mark) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                try {
                    TimeUnit.NANOSECONDS.timedWait(doneLock, left);
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private void print(Message m) {
        Context c = router.contextById(m.src);
        String name = c != null ? c.name() : "context " + m.src;
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(m.data));
            Level level = Level.parse(Integer.toString(in.readInt()));
            String logger = in.readUTF();
            String text = in.readUTF();
            Logger.getLogger("dev.jitogen.ctx." + name).log(new ForwardedRecord(level, name, logger, text));
            if (c != null) c.recordLog(logger + ": " + text);
        } catch (IOException | IllegalArgumentException e) {
            Log.warning("[" + name + "] sent a malformed log record: " + e);
        }
    }
}
