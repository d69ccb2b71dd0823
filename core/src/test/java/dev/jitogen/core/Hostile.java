package dev.jitogen.core;

import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What code running in a child JVM can do with its own router, as a hostile (or careless) child would: send
 * hand-made messages through it (framed properly, unlike {@link dev.jitogen.core.fixtures.RawFrames}, so they never
 * interleave with the router's own writes), and address contexts it was not given. Child JVMs only: it uses the
 * router's package-private API, which an in-process context's classes cannot reach.
 */
final class Hostile {
    private Hostile() {}

    /** Sends a message from this context, as its router would. */
    static void send(int dst, int handle, int replyTo, byte[] data) {
        Router r = Router.current();
        r.send(new Message(dst, r.myId(), r.myId(), handle, replyTo, data));
    }

    static byte[] id(int id) {
        return ByteBuffer.allocate(4).putInt(id).array();
    }

    /** A handle on context {@code id}, as a child holding a sibling's address has one. */
    static Context context(int id, String name) {
        return new Context(Router.current(), id, name, "sibling", null, null, -1);
    }

    /**
     * Asks the master for ids {@code requests} times, {@code askFor} at a time, as fast as the stream takes it, and
     * reads every answer. Returns {blocks granted, requests refused, largest block, the id after the last block
     * granted (where the master's counter stands, wrapped as an int if it wrapped), nanoseconds until the first
     * refusal or -1}.
     */
    static long[] floodAllocateId(int requests, int askFor) throws InterruptedException {
        Router r = Router.current();
        LinkedBlockingQueue<Message> answers = new LinkedBlockingQueue<>();
        int handle = r.addHandler(answers::add, null, null, true);
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) send(0, Handles.ALLOCATE_ID, handle, ByteBuffer.allocate(4).putInt(askFor).array());
        long granted = 0, refused = 0, largest = 0, next = -1, firstRefusal = -1;
        for (int i = 0; i < requests; i++) {
            Message m = answers.poll(60, TimeUnit.SECONDS);
            if (m == null) break;
            if (m.isDead() || m.data.length != 8) {
                if (firstRefusal < 0) firstRefusal = System.nanoTime() - start;
                refused++;
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(m.data);
            int first = b.getInt(), count = b.getInt();
            granted++;
            largest = Math.max(largest, count);
            next = first + count; // int arithmetic, as the master's counter ran
        }
        r.delHandler(handle);
        return new long[]{granted, refused, largest, next, firstRefusal};
    }
}
