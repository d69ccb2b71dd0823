package dev.jitogen.plugins.files;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.LongConsumer;

/**
 * The SHA-256 of a file's content as it passes, computed on a thread of its own so that hashing overlaps reading,
 * writing and the link instead of adding to them. It matters in a child started C1-only (the default: quick start),
 * where SHA-256 has no compiler intrinsic and runs at about 90 MB/s, well below what the pipe and the disk carry.
 *
 * <p>{@link #add} takes a range of an array the caller never changes afterwards (a frame's data): no copy. At most
 * {@code maxBytes} wait to be hashed; past that {@code add} blocks, which pushes back on the sender through the
 * window like a slow disk would.
 *
 * <p>Threads: one thread (the transfer's) calls {@link #add}, {@link #finish} and {@link #close}; the
 * {@code hashed} listener runs on the hashing thread, told the count of bytes hashed so far after each range, and
 * must not block.
 */
final class Hasher implements AutoCloseable {
    private record Range(byte[] data, int offset, int length) {}

    private static final Range END = new Range(new byte[0], 0, 0);

    private final BlockingQueue<Range> queue = new ArrayBlockingQueue<>(64);
    private final MessageDigest sha = FileService.sha256();
    private final long maxBytes;
    private final LongConsumer hashed;
    private final Thread thread;
    /** Bytes added and not yet hashed; guarded by this. */
    private long waiting;
    /** The digest in hex once the hashing thread has seen {@link #END}; guarded by this. */
    private String hex;
    /** Why the hashing thread ended early, or null; guarded by this. */
    private Throwable failure;

    /**
     * @param maxBytes most bytes waiting to be hashed
     * @param hashed   told the bytes hashed so far, on the hashing thread (null: no one)
     */
    Hasher(String name, long maxBytes, LongConsumer hashed) {
        this.maxBytes = maxBytes;
        this.hashed = hashed;
        this.thread = new Thread(this::run, "jitogen-sha256 " + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues {@code data[offset, offset+length)} to be hashed; blocks while too much waits already. */
    void add(byte[] data, int offset, int length) throws InterruptedException {
        synchronized (this) {
            while (failure == null && waiting > 0 && waiting + length > maxBytes) wait();
            failed();
            waiting += length;
        }
        queue.put(new Range(data, offset, length));
    }

    /** Waits until everything added is hashed, and returns the SHA-256 in hex. Call once, after the last add. */
    String finish() throws InterruptedException {
        queue.put(END);
        synchronized (this) {
            while (hex == null && failure == null) wait();
            failed();
            return hex;
        }
    }

    /** Holds this. */
    private void failed() {
        if (failure != null) throw new IllegalStateException("hashing failed: " + failure, failure);
    }

    /** Stops the hashing thread, finished or not. Idempotent. */
    @Override
    public void close() {
        thread.interrupt();
    }

    private void run() {
        long done = 0;
        try {
            while (true) {
                Range r = queue.take();
                if (r == END) break;
                sha.update(r.data, r.offset, r.length);
                done += r.length;
                synchronized (this) {
                    waiting -= r.length;
                    notifyAll();
                }
                if (hashed != null) hashed.accept(done);
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            synchronized (this) {
                hex = digest;
                notifyAll();
            }
        } catch (InterruptedException e) {
            // closed: the transfer ended without a digest
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        }
    }
}
