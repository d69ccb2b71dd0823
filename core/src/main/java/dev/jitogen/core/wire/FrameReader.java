package dev.jitogen.core.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads frames ({@link Message}) from a byte stream. From a peer that is not trusted, it holds memory in proportion to
 * the bytes that have arrived, never to what a header claims: a header that announces 128 MiB and then stalls costs
 * 64 KiB, not 128 MiB. The data buffer starts at {@link #FIRST_CHUNK} and grows fourfold as bytes come, so a frame
 * that has brought n bytes holds at most 4n (and 64 KiB). From a trusted peer (a context's parent), the buffer is
 * the size the header says, which saves the copies.
 *
 * <p>A frame whose length is over the max message size is not a reason to drop the stream: its header is handed to
 * an {@link Oversize} listener, its data is read and thrown away, and reading goes on with the next frame. Skipping
 * needs the bytes; a header whose data never comes is a stalled frame, which {@link #inFrameSince} lets the stream's
 * watchdog see.
 *
 * <p>Threads: one reader thread calls {@link #next}; any thread may read {@link #inFrameSince} and
 * {@link #progress}, which are only indicative (volatile, updated as bytes arrive).
 */
public final class FrameReader {
    /** The data buffer of a frame starts at this size (a pipe's capacity) and grows as bytes arrive. */
    static final int FIRST_CHUNK = 64 * 1024;

    /** Told of a frame too big to deliver, before its data is skipped. Runs on the reader thread: must not block. */
    @FunctionalInterface
    public interface Oversize {
        /** @param header the frame's header as a message without data; {@code length} is what it claimed */
        void seen(Message header, int length);
    }

    private final InputStream in;
    private final int maxSize;
    /** Allocate what the header says at once: the peer is trusted (see the class comment). */
    private final boolean trustLengths;
    private final byte[] header = new byte[Message.HEADER_SIZE];
    private final byte[] trailer = new byte[Message.TRAILER_SIZE];
    /** nanoTime when the last bytes of an unfinished frame arrived; 0 between frames. */
    private volatile long inFrameSince;
    /** Bytes of the current frame read so far, and the frame's full size once its header is known (else -1). */
    private volatile long got, expected = -1;
    /** Bytes read from the stream so far: whole frames only, so a peer's ack can be compared with it. */
    private volatile long bytesRead;
    /** The ack of the latest frame (how much of our output the peer had read), or -1 before the first. */
    private volatile long peerAck = -1;

    /** A reader that trusts no length: memory follows the bytes. */
    public FrameReader(InputStream in, int maxSize) {
        this(in, maxSize, false);
    }

    /**
     * @param in           read as is: give a buffered stream, this class does not buffer
     * @param trustLengths allocate a frame's data at the size its header says (for a trusted peer only)
     */
    public FrameReader(InputStream in, int maxSize, boolean trustLengths) {
        this.in = in;
        this.maxSize = maxSize;
        this.trustLengths = trustLengths;
    }

    /**
     * The next frame to deliver, or null at a clean end of stream (no byte of a new frame read). Oversize frames are
     * reported to {@code oversize} and skipped; with a null {@code oversize} they are a {@link BadFrameException}.
     *
     * @throws BadFrameException on a bad magic number, a length that cannot be (negative), or a wrong check: the
     *                           stream has lost its framing and cannot be read further
     * @throws EOFException      if the stream ends inside a frame
     */
    public Message next(Oversize oversize) throws IOException {
        while (true) {
            int first = in.read();
            if (first < 0) return null;
            started();
            header[0] = (byte) first;
            readFully(header, 1, Message.HEADER_SIZE - 1, "header");
            ByteBuffer h = ByteBuffer.wrap(header);
            int magic = h.getShort() & 0xffff;
            if (magic != Message.MAGIC) {
                throw new BadFrameException(String.format("bad frame: magic 0x%04x instead of 0x%04x (something "
                        + "other than Jitogen wrote to the stream; first bytes: %s)", magic, Message.MAGIC,
                        Message.printable(header)));
            }
            int dst = h.getInt(), src = h.getInt(), auth = h.getInt(), handle = h.getInt(), replyTo = h.getInt();
            int length = h.getInt();
            if (length < 0) {
                throw new BadFrameException("bad frame: length " + (length & 0xffffffffL) + " cannot be (over 2 GiB); "
                        + "the stream is out of step");
            }
            expected = (long) Message.HEADER_SIZE + length + Message.TRAILER_SIZE;
            if (length > maxSize) {
                if (oversize == null) throw overLimit(length);
                oversize.seen(new Message(dst, src, auth, handle, replyTo, null), length);
                skip(length);
                checkTrailer(length);
                finished();
                continue;
            }
            byte[] data = readData(length);
            checkTrailer(length);
            finished();
            return new Message(dst, src, auth, handle, replyTo, data);
        }
    }

    /** What an over-limit length is called in logs and errors. */
    public BadFrameException overLimit(int length) {
        return new BadFrameException("bad frame: length " + length + " is over the max message size " + maxSize
                + " (raise it with Router.builder().maxMessageSize(...) if the data is genuine)");
    }

    /** Bytes of whole frames read so far: the ack this side sends back. */
    public long bytesRead() {
        return bytesRead;
    }

    /**
     * The ack of the last frame read: how many bytes (mod 2^32) of this side's output the peer had read when it
     * wrote that frame; -1 before any frame.
     */
    public long peerAck() {
        return peerAck;
    }

    /** nanoTime when bytes of the unfinished frame last arrived, or 0 if no frame is under way. */
    public long inFrameSince() {
        return inFrameSince;
    }

    /** How far the unfinished frame got, for a stall's error message: {@code 30 of 1058 bytes}. */
    public String progress() {
        long e = expected;
        return got + (e < 0 ? " bytes of a header" : " of " + e + " bytes");
    }

    private byte[] readData(int length) throws IOException {
        byte[] data = new byte[trustLengths ? length : Math.min(length, FIRST_CHUNK)];
        int n = 0;
        while (n < length) {
            // memory follows the bytes: grow only when what arrived fills what we have
            if (n == data.length) data = Arrays.copyOf(data, (int) Math.min(length, 4L * data.length));
            int r = in.read(data, n, data.length - n);
            if (r < 0) throw new EOFException("stream ended inside a frame of " + length + " bytes");
            n += r;
            advanced(r);
        }
        return data;
    }

    private void skip(int length) throws IOException {
        byte[] scratch = new byte[(int) Math.min(length, FIRST_CHUNK)];
        for (int left = length; left > 0; ) {
            int r = in.read(scratch, 0, Math.min(left, scratch.length));
            if (r < 0) throw new EOFException("stream ended inside a frame of " + length + " bytes");
            left -= r;
            advanced(r);
        }
    }

    private void checkTrailer(int length) throws IOException {
        readFully(trailer, 0, Message.TRAILER_SIZE, "check");
        ByteBuffer t = ByteBuffer.wrap(trailer);
        if (t.getInt() != Message.check(header)) {
            throw new BadFrameException("lost framing: the 4 bytes after a frame of " + length + " data bytes are "
                    + Message.printable(Arrays.copyOf(trailer, 4)) + ", not its check (a frame whose length does not "
                    + "match its data, or other bytes written into the stream)");
        }
        peerAck = t.getInt() & 0xffffffffL;
    }

    private void readFully(byte[] b, int off, int len, String what) throws IOException {
        while (len > 0) {
            int r = in.read(b, off, len);
            if (r < 0) throw new EOFException("stream ended inside a frame's " + what);
            off += r;
            len -= r;
            advanced(r);
        }
    }

    private void started() {
        got = 1;
        expected = -1;
        inFrameSince = System.nanoTime();
    }

    private void advanced(int n) {
        got += n;
        inFrameSince = System.nanoTime();
    }

    private void finished() {
        bytesRead += got;
        inFrameSince = 0;
        got = 0;
        expected = -1;
    }
}
