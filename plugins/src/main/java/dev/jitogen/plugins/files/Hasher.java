package dev.jitogen.plugins.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SHA-256 of a file's content as it passes, computed on a thread of its own so that hashing overlaps reading,
 * writing and the link instead of adding to them.
 *
 * <p>A JVM started C1-only ({@code -XX:TieredStopAtLevel=1}, the default for children: quick start) has no SHA-256
 * intrinsic and hashes at 50–90 MB/s, a fifth of what the pipe and the disk carry; profiles of a put show nothing else
 * in the child. There, for a transfer of at least {@link #OPENSSL_MIN_BYTES}, the bytes are piped to OpenSSL's
 * {@code openssl dgst -sha256} if the host has it (at a fixed path, not through {@code PATH}), which hashes with the
 * CPU's SHA instructions; a host without it hashes in Java, as every JVM with C2 does. Either way the digest is
 * SHA-256 of exactly the bytes written or read, compared with the other side's.
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

    /** Transfers smaller than this hash in Java: starting a process costs more than it saves. */
    static final long OPENSSL_MIN_BYTES = 8L << 20;
    /** OpenSSL, if this JVM hashes slowly and the host has it; else null. */
    private static final String OPENSSL = dev.jitogen.plugins.Jit.withoutC2() ? openssl() : null;

    private final BlockingQueue<Range> queue = new ArrayBlockingQueue<>(64);
    /** Hashes in Java, or null when {@link #process} does. */
    private final MessageDigest sha;
    /** OpenSSL hashing what is written to its stdin, or null. */
    private final Process process;
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
        this(name, maxBytes, hashed, 0);
    }

    /** @param expected the bytes the transfer will hash, as far as is known (chooses how to hash) */
    Hasher(String name, long maxBytes, LongConsumer hashed, long expected) {
        this.maxBytes = maxBytes;
        this.hashed = hashed;
        Process p = null;
        if (prefersOpenssl(expected)) {
            try {
                p = new ProcessBuilder(OPENSSL, "dgst", "-sha256", "-r").redirectErrorStream(true).start();
            } catch (IOException e) {
                p = null; // hash in Java instead
            }
        }
        this.process = p;
        this.sha = p == null ? FileService.sha256() : null;
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
        hand(new Range(data, offset, length));
    }

    /** Queues {@code r}, giving up if the hashing thread has failed (it would never take it). */
    private void hand(Range r) throws InterruptedException {
        while (!queue.offer(r, 100, TimeUnit.MILLISECONDS)) {
            synchronized (this) {
                failed();
            }
        }
    }

    /** Waits until everything added is hashed, and returns the SHA-256 in hex. Call once, after the last add. */
    String finish() throws InterruptedException {
        hand(END);
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

    /** Whether a hasher of {@code expected} bytes would pipe them to OpenSSL (see the class comment). */
    static boolean prefersOpenssl(long expected) {
        return OPENSSL != null && expected >= OPENSSL_MIN_BYTES;
    }

    /** Whether OpenSSL hashes for this one (see the class comment). */
    boolean usesOpenssl() {
        return process != null;
    }

    /** Stops the hashing thread, finished or not. Idempotent. */
    @Override
    public void close() {
        thread.interrupt();
        if (process != null) process.destroyForcibly();
    }

    private void run() {
        long done = 0;
        try (OutputStream toOpenssl = process != null ? process.getOutputStream() : OutputStream.nullOutputStream()) {
            while (true) {
                Range r = queue.take();
                if (r == END) break;
                if (process != null) toOpenssl.write(r.data, r.offset, r.length);
                else sha.update(r.data, r.offset, r.length);
                done += r.length;
                synchronized (this) {
                    waiting -= r.length;
                    notifyAll();
                }
                if (hashed != null) hashed.accept(done);
            }
            String digest;
            if (process == null) {
                digest = HexFormat.of().formatHex(sha.digest());
            } else {
                toOpenssl.close();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                Matcher m = DIGEST.matcher(out);
                if (process.waitFor() != 0 || !m.find()) {
                    throw new IOException(OPENSSL + " dgst -sha256 failed (exit " + process.exitValue() + "): " + out.strip());
                }
                digest = m.group(1);
            }
            synchronized (this) {
                hex = digest;
                notifyAll();
            }
        } catch (InterruptedException e) {
            // closed: the transfer ended without a digest
        } catch (IOException | RuntimeException | Error e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        }
    }

    /** {@code openssl dgst -r} prints the digest, a space and the input's name. */
    private static final Pattern DIGEST = Pattern.compile("(?m)^([0-9a-f]{64}) ");

    private static String openssl() {
        for (String p : new String[]{"/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"}) {
            if (Files.isExecutable(Path.of(p))) return p;
        }
        return null;
    }
}
