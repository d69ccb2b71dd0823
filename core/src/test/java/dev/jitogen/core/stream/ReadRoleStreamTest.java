package dev.jitogen.core.stream;

import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.*;

/** The read role of a stream (leader/follower), on a pair of in-memory pipes: no JVM, no sockets. */
class ReadRoleStreamTest {
    /** A frame whose handler asks the reading thread to hand the read role back. */
    static final int HAND_BACK = 100;

    record Seen(int handle, Thread thread, boolean asReader) {}

    final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    final BlockingQueue<Throwable> closes = new LinkedBlockingQueue<>();
    ScheduledExecutorService timer;
    Stream stream, peer;

    @BeforeEach
    void connect() {
        timer = Executors.newSingleThreadScheduledExecutor();
        MemoryPipe down = new MemoryPipe(), up = new MemoryPipe();
        stream = new Stream("tested", down.in(), up.out(), 1 << 20);
        peer = new Stream("peer", up.in(), down.out(), 1 << 20);
        stream.start(new Stream.Listener() {
            @Override
            public void onMessage(Stream s, Message m) {
                seen.add(new Seen(m.handle, Thread.currentThread(), Stream.isReaderThread()));
                if (m.handle == HAND_BACK) Stream.handBack();
            }

            @Override
            public void onClose(Stream s, Throwable cause) {
                closes.add(cause != null ? cause : new Throwable("clean end"));
            }
        }, Executors.defaultThreadFactory(), timer, Duration.ofSeconds(30));
        peer.start(Unheard.LISTENER, Executors.defaultThreadFactory(), timer, Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        peer.close(null);
        stream.close(null);
        timer.shutdownNow();
    }

    private void send(int handle) {
        assertTrue(peer.send(new Message(1, 0, 0, handle, 0, new byte[]{(byte) handle})));
    }

    /** Takes the read role, which the reader thread holds from the start and gives up after a hand-back frame. */
    private void lead() throws InterruptedException {
        while (!stream.tryLead()) {
            send(HAND_BACK);
            assertEquals(HAND_BACK, seen.take().handle());
        }
    }

    @Test
    void theReaderThreadReadsUntilAHandlerHandsTheRoleBack() throws Exception {
        send(1);
        Seen first = seen.take();
        assertTrue(first.asReader());
        assertNotEquals(Thread.currentThread(), first.thread());
        assertFalse(stream.tryLead(), "the reader thread holds the read role");
        lead();
    }

    @Test
    void aThreadHoldingTheReadRoleReadsFramesItselfUnderTheReadersRules() throws Exception {
        lead();
        send(7);
        assertTrue(stream.readFrame());
        Seen s = seen.take();
        assertEquals(7, s.handle());
        assertEquals(Thread.currentThread(), s.thread());
        assertTrue(s.asReader(), "marked as a reader while it dispatches");
        assertFalse(Stream.isReaderThread(), "and no longer once it returns");
        stream.stepDown();
    }

    @Test
    void framesAfterTheRoleIsGivenUpAreReadByTheReaderThread() throws Exception {
        lead();
        stream.stepDown();
        send(8);
        Seen s = seen.take(); // however long this thread stays away
        assertEquals(8, s.handle());
        assertNotEquals(Thread.currentThread(), s.thread());
    }

    @Test
    void aRoleHandedOffIsTakenUpByTheReaderThread() throws Exception {
        lead();
        stream.handOff();
        send(9);
        Seen s = seen.take();
        assertEquals(9, s.handle());
        assertNotEquals(Thread.currentThread(), s.thread());
    }

    @Test
    void readFrameSaysWhenTheStreamEndsAndTheListenerHearsItOnce() throws Exception {
        lead();
        peer.close(null);
        assertFalse(stream.readFrame());
        assertNotNull(closes.take());
        assertTrue(stream.isClosed());
        assertFalse(stream.tryLead(), "a closed stream has no read role to take");
        stream.stepDown();
        assertTrue(closes.isEmpty());
    }

    @Test
    void readingWithoutTheRoleIsRefused() {
        assertThrows(IllegalStateException.class, () -> stream.readFrame());
    }
}
