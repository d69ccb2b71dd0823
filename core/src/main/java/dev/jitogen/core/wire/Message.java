package dev.jitogen.core.wire;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One frame of the stream protocol: Mitogen's header, big-endian, followed by {@code length} bytes of data.
 *
 * <pre>
 *   u16 magic 'JG' | i32 dst | i32 src | i32 auth_id | i32 handle | i32 reply_to | i32 length | data
 * </pre>
 *
 * <p>{@code src} is the context that sent the message; {@code auth_id} is the context whose authority it carries
 * (the same as src unless a parent acts for a child), checked against the stream it arrives on. A {@code reply_to}
 * of {@link Handles#IS_DEAD} marks a dead message: its data is the reason, as UTF-8.
 *
 * <p>Immutable; any thread. No I/O of its own besides {@link #readFrom} and {@link #writeTo}, which the caller
 * serialises.
 */
public final class Message {
    public static final int MAGIC = 0x4A47;
    public static final int HEADER_SIZE = 2 + 6 * 4;
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

    public void writeTo(OutputStream out) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
        h.putShort((short) MAGIC).putInt(dst).putInt(src).putInt(authId).putInt(handle).putInt(replyTo)
                .putInt(data.length);
        out.write(h.array());
        out.write(data);
    }

    /**
     * Reads one whole frame, checking magic and length before allocating. Returns null at a clean end of stream
     * (no byte of a new frame read).
     *
     * @throws BadFrameException on a bad magic number or a length over {@code maxSize}
     */
    public static Message readFrom(DataInputStream in, int maxSize) throws IOException {
        int first = in.read();
        if (first < 0) return null;
        byte[] header = new byte[HEADER_SIZE];
        header[0] = (byte) first;
        in.readFully(header, 1, HEADER_SIZE - 1);
        ByteBuffer h = ByteBuffer.wrap(header);
        int magic = h.getShort() & 0xffff;
        if (magic != MAGIC) {
            throw new BadFrameException(String.format(
                    "bad frame: magic 0x%04x instead of 0x%04x (something other than Jitogen wrote to the stream; "
                            + "first bytes: %s)", magic, MAGIC, printable(header)));
        }
        int dst = h.getInt(), src = h.getInt(), auth = h.getInt(), handle = h.getInt(), replyTo = h.getInt();
        int length = h.getInt();
        if (length < 0 || length > maxSize) {
            throw new BadFrameException("bad frame: length " + (length & 0xffffffffL) + " is over the max message size "
                    + maxSize + " (raise it with Router.builder().maxMessageSize(...) if the data is genuine)");
        }
        byte[] data = new byte[length];
        try {
            in.readFully(data);
        } catch (EOFException e) {
            throw new EOFException("stream ended inside a frame of " + length + " bytes");
        }
        return new Message(dst, src, auth, handle, replyTo, data);
    }

    private static String printable(byte[] b) {
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
