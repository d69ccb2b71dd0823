package dev.jitogen.core.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads frames ({@link Message}) from a byte stream. From a peer that is not trusted, it holds memory in proportion to
 * the bytes that have arrived, never to what a header claims: a header that announces 128 MiB and then stalls costs
 * 64 KiB, not 128 MiB. The data buffer starts at {@link #FIRST_CHUNK} and grows fourfold as bytes come (straight to
 * the frame's length when fourfold would hold half of it or leave at most {@link #FIRST_CHUNK} more), so a frame that
 * has brought n bytes holds at most 8n + 64 KiB. From a trusted peer (a context's parent), the buffer is the size
 * the header says, which saves the copies.
 *
 * <p>A frame whose length is over the max message size is not a reason to drop the stream: its header is handed to
 * an {@link Oversize} listener, its data is read and thrown away, and reading goes on with the next frame. Skipping
 * needs the bytes; a header whose data never comes is a stalled frame, which {@link #inFrameSince} lets the stream's
 * watchdog see.
 *
 * <p>Bytes come either from a stream that one reader thread reads ({@link #next}), or from a transport that pushes
 * them from its own threads ({@link #feed}, one call at a time): the same decoding either way, with a thread per
 * stream or without.
 *
 * <p>Threads: one thread at a time calls {@link #next} or {@link #feed}; any thread may read {@link #inFrameSince}
 * and {@link #progress}, which are only indicative (volatile, updated as bytes arrive).
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

    /** Where a frame's bytes are going now: its header, its data, skipped data (oversize), or its trailer. */
    private static final int HEADER = 0, DATA = 1, SKIP = 2, TRAILER = 3;

    private final InputStream in;
    private final int maxSize;
    /** Allocate what the header says at once: the peer is trusted (see the class comment). */
    private final boolean trustLengths;
    private final byte[] header = new byte[Message.HEADER_SIZE];
    private final byte[] trailer = new byte[Message.TRAILER_SIZE];
    /** Where the skipped data of an oversize frame is read to. Made on first use. */
    private byte[] scratch;
    /** The part being read, and how many of its bytes have come. Reader thread only, as the fields below. */
    private int part = HEADER;
    private int filled;
    /** The current frame's header fields, once its header is whole. */
    private int dst, src, auth, handle, replyTo, length;
    /** The current frame's data, grown as bytes come unless lengths are trusted. */
    private byte[] data;
    /** A frame decoded by the last bytes, for {@link #next} to return. */
    private Message decoded;
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
     * @param in           read as is: give a buffered stream, this class does not buffer; null for a reader that
     *                     is given its bytes ({@link #feed})
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
     * Reads no byte past the frame it returns.
     *
     * @throws BadFrameException on a bad magic number, a length that cannot be (negative), or a wrong check: the
     *                           stream has lost its framing and cannot be read further
     * @throws EOFException      if the stream ends inside a frame
     */
    public Message next(Oversize oversize) throws IOException {
        while (true) {
            byte[] to = target();
            int r = in.read(to, part == SKIP ? 0 : filled, room(to));
            if (r < 0) {
                EOFException inside = endOfStream();
                if (inside != null) throw inside;
                return null;
            }
            consumed(r, oversize);
            Message m = decoded;
            if (m != null) {
                decoded = null;
                return m;
            }
        }
    }

    /**
     * Takes bytes that arrived (the push form of {@link #next}, for a transport that delivers bytes on its own
     * threads): every frame they complete goes to {@code frames}, in order, on the calling thread. One caller at a
     * time; {@code b} is not kept.
     *
     * @throws BadFrameException as {@link #next}
     */
    public void feed(byte[] b, int off, int len, Consumer<Message> frames, Oversize oversize) throws BadFrameException {
        while (len > 0) {
            byte[] to = target();
            int n = Math.min(len, room(to));
            if (part != SKIP) System.arraycopy(b, off, to, filled, n);
            off += n;
            len -= n;
            consumed(n, oversize);
            Message m = decoded;
            if (m != null) {
                decoded = null;
                frames.accept(m);
            }
        }
    }

    /**
     * What the end of the stream means now: null if it came between frames (a clean end), else the
     * {@link EOFException} of a stream that ended inside one. For {@link #feed}'s transport.
     */
    public EOFException endOfStream() {
        return switch (part) {
            case HEADER -> filled == 0 ? null : new EOFException("stream ended inside a frame's header");
            case TRAILER -> new EOFException("stream ended inside a frame's check");
            default -> new EOFException("stream ended inside a frame of " + length + " bytes");
        };
    }

    /** The array the current part's next bytes go to (grown first if a frame's data filled it). */
    private byte[] target() {
        switch (part) {
            case HEADER:
                return header;
            case TRAILER:
                return trailer;
            case SKIP:
                if (scratch == null) scratch = new byte[FIRST_CHUNK];
                return scratch;
            default:
                // memory follows the bytes: grow only when what arrived fills what we have
                if (filled == data.length) data = Arrays.copyOf(data, grown(data.length));
                return data;
        }
    }

    /**
     * The size a frame's data array of {@code size} bytes, filled, grows to: four times as large, or the whole frame
     * if that would hold at least half of it, or leave no more than {@link #FIRST_CHUNK} beyond it. Without those
     * last rules a frame paid for one more growth near its end, copying most of it again:
     * <ul>
     *   <li>a file chunk (256 KiB and its one-byte tag) from a child grew 64 KiB, 256 KiB, 256 KiB + 1, copying
     *       320 KiB and allocating 576 KiB per chunk, where a child reading its trusted parent allocates the 256 KiB
     *       once;</li>
     *   <li>an 8 MiB value from a child grew 64 KiB, 256 KiB, 1 MiB, 4 MiB, then 8 MiB, copying 5.3 MiB: now 1.3
     *       (the growth from 1 MiB goes to 8 MiB), about a tenth of the CPU of echoing 8 MiB.</li>
     * </ul>
     * So the array holds at most eight times the bytes that have come (the jump to the whole frame), else four times.
     */
    private int grown(int size) {
        long four = 4L * size;
        return (int) (length - four <= FIRST_CHUNK || 2 * four >= length ? length : four);
    }

    /** How many bytes the current part can take into {@code to} now. */
    private int room(byte[] to) {
        return switch (part) {
            case HEADER -> Message.HEADER_SIZE - filled;
            case TRAILER -> Message.TRAILER_SIZE - filled;
            case SKIP -> Math.min(length - filled, to.length);
            default -> to.length - filled;
        };
    }

    /** {@code n} bytes of the current part came; moves on to the next part, or frame, when it is whole. */
    private void consumed(int n, Oversize oversize) throws BadFrameException {
        if (part == HEADER && filled == 0) started();
        filled += n;
        advanced(n);
        switch (part) {
            case HEADER -> {
                if (filled == Message.HEADER_SIZE) headerDone(oversize);
            }
            case DATA, SKIP -> {
                if (filled == length) next(TRAILER);
            }
            default -> {
                if (filled == Message.TRAILER_SIZE) trailerDone();
            }
        }
    }

    private void headerDone(Oversize oversize) throws BadFrameException {
        int magic = (header[0] & 0xff) << 8 | (header[1] & 0xff);
        if (magic != Message.MAGIC) {
            throw new BadFrameException(String.format("bad frame: magic 0x%04x instead of 0x%04x (something "
                    + "other than Jitogen wrote to the stream; first bytes: %s)", magic, Message.MAGIC,
                    Message.printable(header)));
        }
        dst = Message.getInt(header, 2);
        src = Message.getInt(header, 6);
        auth = Message.getInt(header, 10);
        handle = Message.getInt(header, 14);
        replyTo = Message.getInt(header, 18);
        length = Message.getInt(header, 22);
        if (length < 0) {
            throw new BadFrameException("bad frame: length " + (length & 0xffffffffL) + " cannot be (over 2 GiB); "
                    + "the stream is out of step");
        }
        expected = (long) Message.HEADER_SIZE + length + Message.TRAILER_SIZE;
        if (length > maxSize) {
            if (oversize == null) throw overLimit(length);
            oversize.seen(new Message(dst, src, auth, handle, replyTo, null), length);
            next(length == 0 ? TRAILER : SKIP);
            return;
        }
        data = new byte[trustLengths ? length : Math.min(length, FIRST_CHUNK)];
        next(length == 0 ? TRAILER : DATA);
    }

    private void trailerDone() throws BadFrameException {
        if (Message.getInt(trailer, 0) != Message.check(header)) {
            throw new BadFrameException("lost framing: the 4 bytes after a frame of " + length + " data bytes are "
                    + Message.printable(Arrays.copyOf(trailer, 4)) + ", not its check (a frame whose length does not "
                    + "match its data, or other bytes written into the stream)");
        }
        peerAck = Message.getInt(trailer, 4) & 0xffffffffL;
        if (data != null) decoded = new Message(dst, src, auth, handle, replyTo, data);
        data = null;
        finished();
        next(HEADER);
    }

    private void next(int p) {
        part = p;
        filled = 0;
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

    private void started() {
        got = 0;
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
