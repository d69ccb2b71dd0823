package dev.jitogen.core.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * One frame of the stream protocol: Mitogen's header, big-endian, then {@code length} bytes of data, then a
 * trailer.
 *
 * <pre>
 *   u16 magic 'JG' | i32 dst | i32 src | i32 auth_id | i32 handle | i32 reply_to | i32 length | data
 *   | u32 check | u32 ack
 * </pre>
 *
 * <p>{@code src} is the context that sent the message; {@code auth_id} is the context whose authority it carries
 * (the same as src unless a parent acts for a child), checked against the stream it arrives on. A {@code reply_to}
 * of {@link Handles#IS_DEAD} marks a dead message: its data is the reason, as UTF-8.
 *
 * <p>{@code check} is the CRC-32C of the 26 header bytes. It is what makes a lost frame boundary detectable: a frame
 * whose data is shorter or longer than its header says (a write cut short, a stray byte from other code writing to
 * the same pipe) puts other bytes where the reader expects the check, and the reader closes the stream instead of
 * reading every later frame out of step. It costs 4 bytes and a 26-byte CRC per frame, nothing per data byte. It
 * does not defend against a peer that lies on purpose (anyone can compute it; trust checks are the router's), nor
 * against corruption inside the data (pipes and SSH do not corrupt), and a frame that claims more data than follows
 * is found out only once that much has arrived, or by the stream's stall timeout if it never does.
 *
 * <p>{@code ack} is how many bytes (mod 2^32) the sender had read from the stream it is answering on when it wrote
 * the frame: what lets the other side know how much of its own output is still unread (see the stream's direct
 * writes). It is advice, never trusted for anything but that.
 *
 * <p>Immutable; any thread. No I/O of its own besides {@link #writeTo}; reading is {@link FrameReader}'s.
 */
public final class Message {
    public static final int MAGIC = 0x4A47;
    public static final int HEADER_SIZE = 2 + 6 * 4;
    /** After the data: the check (CRC-32C of the header) and the ack. */
    public static final int TRAILER_SIZE = 8;
    /** Default largest data length, 128 MiB; settable per router and inherited by children. */
    public static final int DEFAULT_MAX_SIZE = 128 << 20;
    private static final byte[] EMPTY = new byte[0];

    public final int dst;
    public final int src;
    public final int authId;
    public final int handle;
    public final int replyTo;
    public final byte[] data;

    public Message(int dst, int src, int authId, int handle, int replyTo, byte[] data) {
        this.dst = dst;
        this.src = src;
        this.authId = authId;
        this.handle = handle;
        this.replyTo = replyTo;
        this.data = data == null ? EMPTY : data;
    }

    /** A dead reply to {@code m}, carrying {@code reason}, sent by context {@code from}. */
    public static Message deadReplyTo(Message m, int from, String reason) {
        return new Message(m.src, from, from, m.replyTo, Handles.IS_DEAD, reason.getBytes(StandardCharsets.UTF_8));
    }

    public boolean isDead() {
        return replyTo == Handles.IS_DEAD;
    }

    public String deadReason() {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** Writes the whole frame: header, data, check, and an ack of 0. */
    public void writeTo(OutputStream out) throws IOException {
        writeTo(out, 0);
    }

    /** Writes the whole frame with {@code ack}, the count of bytes read so far from the peer. */
    public void writeTo(OutputStream out, long ack) throws IOException {
        byte[] h = header();
        out.write(h);
        out.write(data);
        out.write(trailer(h, ack));
    }

    /** Bytes of the whole frame on the wire. */
    public long frameSize() {
        return HEADER_SIZE + (long) data.length + TRAILER_SIZE;
    }

    /**
     * The 26 header bytes. Written by hand, as the frame reader reads them: a child runs C1 only, where a
     * {@code ByteBuffer}'s puts and gets (bounds, scope and byte-order checks each) cost more than the rest of a
     * frame's header and trailer together.
     */
    public byte[] header() {
        byte[] h = new byte[HEADER_SIZE];
        h[0] = (byte) (MAGIC >>> 8);
        h[1] = (byte) MAGIC;
        putInt(h, 2, dst);
        putInt(h, 6, src);
        putInt(h, 10, authId);
        putInt(h, 14, handle);
        putInt(h, 18, replyTo);
        putInt(h, 22, data.length);
        return h;
    }

    /** The trailer that follows the data of the frame whose header is {@code header}: its check, and {@code ack}. */
    public static byte[] trailer(byte[] header, long ack) {
        byte[] t = new byte[TRAILER_SIZE];
        putInt(t, 0, check(header));
        putInt(t, 4, (int) ack);
        return t;
    }

    /** Writes {@code v} big-endian at {@code b[at, at + 4)}. */
    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    /** The big-endian int at {@code b[at, at + 4)}. */
    static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    /** CRC-32C of the header. */
    static int check(byte[] header) {
        CRC32C crc = new CRC32C();
        crc.update(header, 0, HEADER_SIZE);
        return (int) crc.getValue();
    }

    /**
     * Reads one whole frame. Returns null at a clean end of stream (no byte of a new frame read).
     *
     * @throws BadFrameException on a bad magic number, a length over {@code maxSize} or a wrong check
     */
    public static Message readFrom(InputStream in, int maxSize) throws IOException {
        return new FrameReader(in, maxSize).next(null);
    }

    static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : b) s.append(x >= 32 && x < 127 ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        return s.append('"').toString();
    }

    @Override
    public String toString() {
        return "Message(dst=" + dst + ", src=" + src + ", auth=" + authId + ", handle=" + handle + ", reply_to="
                + replyTo + ", " + data.length + " bytes)";
    }
}
