package dev.jitogen.core.wire;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Frames survive any split of the byte stream; memory follows the bytes that arrive, not what a header claims; an
 * oversize frame is skipped, not fatal; and a frame whose length does not match its data is caught by its check.
 */
class MessageTest {
    /** Delivers one byte per read call: the way frames arrive in pieces on a slow pipe. */
    static final class OneByteAtATime extends FilterInputStream {
        OneByteAtATime(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1));
        }
    }

    private static byte[] frames(Message... ms) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Message m : ms) m.writeTo(out);
        return out.toByteArray();
    }

    @Test
    void framesReadBackWholeEvenOneByteAtATime() throws IOException {
        Message a = new Message(1, 2, 3, 1000, 1001, "hello".getBytes());
        Message b = new Message(0, 7, 7, Handles.FORWARD_LOG, 0, new byte[70_000]);
        Message c = new Message(5, 0, 0, Handles.SHUTDOWN, 0, null);
        DataInputStream in = new DataInputStream(new OneByteAtATime(new ByteArrayInputStream(frames(a, b, c))));
        List<Message> got = new ArrayList<>();
        for (Message m; (m = Message.readFrom(in, Message.DEFAULT_MAX_SIZE)) != null; ) got.add(m);
        assertEquals(3, got.size());
        assertEquals(a.toString(), got.get(0).toString());
        assertEquals("hello", new String(got.get(0).data));
        assertEquals(70_000, got.get(1).data.length);
        assertEquals(Handles.SHUTDOWN, got.get(2).handle);
        assertEquals(0, got.get(2).data.length);
    }

    @Test
    void badMagicIsRefusedWithThePrintableBytes() {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream("Welcome to Ubuntu 22.04 LTS!!".getBytes()));
        BadFrameException e = assertThrows(BadFrameException.class, () -> Message.readFrom(in, 1024));
        assertTrue(e.getMessage().contains("Welcome to Ubuntu"), e.getMessage());
    }

    @Test
    void lengthOverTheLimitIsRefusedBeforeReadingTheData() throws IOException {
        byte[] f = frames(new Message(1, 0, 0, 1000, 0, new byte[2048]));
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(f));
        BadFrameException e = assertThrows(BadFrameException.class, () -> Message.readFrom(in, 1024));
        assertTrue(e.getMessage().contains("length 2048 is over the max message size 1024"), e.getMessage());
    }

    @Test
    void streamEndingInsideAFrameIsAnError() throws IOException {
        byte[] f = frames(new Message(1, 0, 0, 1000, 0, new byte[100]));
        byte[] cut = java.util.Arrays.copyOf(f, f.length - 10);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(cut));
        assertThrows(EOFException.class, () -> Message.readFrom(in, 1024));
    }

    @Test
    void aHeaderClaiming100MiBCostsTheBytesThatCameNotTheClaim() throws IOException {
        // a header claiming 100 MiB, then 1000 bytes, then the stream ends (as a stalled peer's never would)
        byte[] header = new Message(1, 0, 0, 1000, 0, new byte[0]).header();
        java.nio.ByteBuffer.wrap(header, Message.HEADER_SIZE - 4, 4).putInt(100 << 20);
        byte[] bytes = java.util.Arrays.copyOf(header, header.length + 1000);
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        assertThrows(EOFException.class, () -> Message.readFrom(in, Message.DEFAULT_MAX_SIZE));
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < 1 << 20, "reading 1026 bytes of a frame allocated " + allocated + " bytes");
    }

    @Test
    void aFrameJustOverFourFirstChunksFromAChildGrowsOnceToItsLength() throws IOException {
        // a file chunk: 256 KiB and a tag byte, pushed in SSH-sized packets; it grew 64 KiB, 256 KiB, then
        // 256 KiB + 1 (576 KiB allocated, 320 KiB copied again); now 64 KiB, then its length
        byte[] data = new byte[FrameReader.FIRST_CHUNK * 4 + 1];
        long allocated = allocatedReading(data, 32 * 1024);
        assertTrue(allocated < FrameReader.FIRST_CHUNK + data.length + 32 * 1024,
                "a " + data.length + "-byte frame allocated " + allocated + " bytes");
    }

    /**
     * Bytes allocated reading a frame of {@code data} from a child, pushed in packets of {@code packet} bytes; checks
     * the frame came whole.
     */
    private static long allocatedReading(byte[] data, int packet) throws IOException {
        data[data.length - 1] = 7;
        byte[] all = frames(new Message(1, 2, 3, 1000, 0, data));
        FrameReader r = new FrameReader(null, Message.DEFAULT_MAX_SIZE);
        List<Message> got = new ArrayList<>();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int off = 0; off < all.length; off += packet) {
            r.feed(all, off, Math.min(packet, all.length - off), got::add, null);
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertEquals(1, got.size());
        assertEquals(data.length, got.get(0).data.length);
        assertEquals(7, got.get(0).data[data.length - 1]);
        return allocated;
    }

    @Test
    void anEightMiBFrameFromAChildGrowsFromOneMiBToItsLength() throws IOException {
        // it grew 64 KiB, 256 KiB, 1 MiB, 4 MiB, then 8 MiB (13.3 MiB allocated, 5.3 MiB copied again); now the
        // growth from 1 MiB goes to its length, as fourfold would hold half of it (9.3 MiB allocated)
        byte[] data = new byte[8 << 20];
        long allocated = allocatedReading(data, FrameReader.FIRST_CHUNK);
        assertTrue(allocated < data.length + (3 << 19), "an " + data.length + "-byte frame allocated " + allocated
                + " bytes");
    }

    @Test
    void anOversizeFrameIsSkippedAndTheNextOneRead() throws IOException {
        Message big = new Message(1, 7, 7, 1000, 1234, new byte[5000]);
        Message next = new Message(1, 7, 7, 1001, 0, "after".getBytes());
        FrameReader r = new FrameReader(new OneByteAtATime(new ByteArrayInputStream(frames(big, next))), 1024);
        List<String> seen = new ArrayList<>();
        Message got = r.next((h, length) -> seen.add(h.handle + "/" + h.replyTo + "/" + length));
        assertEquals(List.of("1000/1234/5000"), seen, "the oversize frame's header is reported, with its claim");
        assertEquals("after", new String(got.data));
        assertNull(r.next((h, length) -> fail("one oversize frame only")));
    }

    @Test
    void bytesPushedInAnySlicesDecodeToTheSameFramesAsReadOnes() throws IOException {
        Message a = new Message(1, 2, 3, 1000, 1001, "hello".getBytes());
        Message big = new Message(1, 7, 7, 1002, 5, new byte[300_000]); // over the limit below: skipped
        Message empty = new Message(4, 5, 6, 1003, 0, null);
        Message large = new Message(1, 2, 3, 1004, 0, new byte[200_000]); // grows its buffer as bytes come
        large.data[199_999] = 42;
        byte[] all = frames(a, big, empty, large);
        for (int slice : new int[]{1, 7, 4096, all.length}) {
            FrameReader r = new FrameReader(null, 250_000);
            List<Message> got = new ArrayList<>();
            List<Integer> oversize = new ArrayList<>();
            for (int off = 0; off < all.length; off += slice) {
                r.feed(all, off, Math.min(slice, all.length - off), got::add, (h, length) -> oversize.add(length));
            }
            assertNull(r.endOfStream(), "between frames: a clean end");
            assertEquals(List.of(1000, 1003, 1004), got.stream().map(m -> m.handle).toList(), "slices of " + slice);
            assertEquals("hello", new String(got.get(0).data));
            assertEquals(42, got.get(2).data[199_999]);
            assertEquals(List.of(300_000), oversize);
            assertEquals(all.length, r.bytesRead());
        }
        FrameReader cut = new FrameReader(null, 1024);
        cut.feed(all, 0, 30, m -> fail("not whole"), null);
        assertTrue(cut.endOfStream().getMessage().contains("inside a frame"), cut.endOfStream().getMessage());
    }

    @Test
    void aFrameShorterThanItsHeaderSaysIsCaughtAtItsCheck() throws IOException {
        // a header claiming exactly the size of the frame after it: without a check, that frame would be swallowed
        // as data, the lie delivered as a message, and the stream read on as if nothing happened
        byte[] honest = frames(new Message(1, 7, 7, 1001, 0, "a reply".getBytes()));
        byte[] lie = new Message(1, 7, 7, 1000, 0, new byte[honest.length]).header();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(lie);
        bytes.write(honest);
        bytes.write(frames(new Message(1, 7, 7, 1002, 0, null)));
        FrameReader r = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1 << 20);
        BadFrameException e = assertThrows(BadFrameException.class, () -> r.next(null));
        assertTrue(e.getMessage().contains("lost framing"), e.getMessage());
    }

    @Test
    void theReaderCountsWholeFramesAndKeepsThePeersAck() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Message m = new Message(1, 7, 7, 1000, 0, new byte[10]);
        m.writeTo(out, 12345);
        FrameReader r = new FrameReader(new ByteArrayInputStream(out.toByteArray()), 1024);
        assertEquals(-1, r.peerAck());
        r.next(null);
        assertEquals(m.frameSize(), r.bytesRead());
        assertEquals(12345, r.peerAck());
    }

    @Test
    void deadReplyGoesBackToTheSendersReplyHandle() {
        Message call = new Message(4, 0, 0, Handles.CALL_FUNCTION, 1234, null);
        Message dead = Message.deadReplyTo(call, 4, "gone");
        assertEquals(0, dead.dst);
        assertEquals(1234, dead.handle);
        assertTrue(dead.isDead());
        assertEquals("gone", dead.deadReason());
    }
}
