package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Context ids for the contexts a router starts, and the blocks of ids it gives its children (Mitogen's
 * {@code IdAllocator} / {@code ChildIdAllocator}, parent layer). Where ids come from depends on the role:
 * {@link MasterIdAllocator} counts, {@link ChildIdAllocator} asks its parent for blocks. Either way a block given to a
 * child is recorded against that child's stream ({@link Grant}), so only that part of the tree may add routes for its
 * ids, each id once; and counted against that child's share ({@link #MAX_BLOCKS_PER_CHILD}).
 *
 * <p>Threads: {@link #next} from any thread but a stream reader's (a child may wait for its parent);
 * {@link #onAllocateId} runs on a reader thread and never blocks. {@code grants} is a concurrent map; a grant's
 * {@code used} set guards itself. Subclasses say what their own lock guards.
 */
abstract class IdAllocator {
    /** How many ids a parent gives a child at a time (Mitogen's IdAllocator block size): the parent decides. */
    static final int ID_BLOCK = 1000;
    /**
     * The most blocks of ids one direct child's part of the tree gets in its life: 10 million ids, more than any tree
     * starts, while a child flooding ALLOCATE_ID is cut off after 10,000 requests (the master's ids would last 214
     * such children). Requests past it are refused and logged.
     */
    static final int MAX_BLOCKS_PER_CHILD = 10_000;

    final Router router;
    /**
     * Blocks of context ids given to children, by first id, each with the stream of the child it went to. Blocks
     * come from the master's counter, so they never overlap.
     */
    private final ConcurrentSkipListMap<Integer, Grant> grants = new ConcurrentSkipListMap<>();

    /** Ids {@code [from, to)} given to the child at the end of {@code stream}; {@code used}: those routed once. */
    private record Grant(int from, int to, Stream stream, BitSet used) {
        boolean contains(int id) {
            return id >= from && id < to;
        }

        /** Marks {@code id} as routed; false if it was already (an id is never routed twice). */
        boolean claim(int id) {
            synchronized (used) {
                if (used.get(id - from)) return false;
                used.set(id - from);
                return true;
            }
        }
    }

    IdAllocator(Router router) {
        this.router = router;
    }

    /**
     * A new context id, never given before.
     *
     * @throws StreamError if no ids are left (ids are never wrapped or reused), or the parent refused a block
     */
    abstract int next();

    /**
     * Gives the direct child at the end of {@code from} a block of ids in answer to {@code m}, recording it with
     * {@link #grant}, or refuses with a dead reply; {@code branch} has counted the block and must be given it back
     * on refusal. Reader thread: never blocks.
     */
    abstract void giveBlock(Message m, Stream from, Branch branch);

    /**
     * ALLOCATE_ID from a direct child. What the request carries is ignored: the parent sets the block size. Runs on
     * a reader thread: never blocks.
     */
    final void onAllocateId(Message m) {
        Stream from = router.core().routeOf(m.src);
        Branch branch = from == null || from.remoteId() != m.src ? null : router.core().branch(from);
        if (branch == null || m.replyTo == Handles.NO_REPLY) {
            Log.warning("refused ALLOCATE_ID " + m + ": only a direct child may ask, with a handle for the answer");
            if (m.replyTo != Handles.NO_REPLY) {
                router.send(Message.deadReplyTo(m, router.myId(), "context ids are given only to direct children"));
            }
            return;
        }
        if (!branch.takeBlock()) {
            int n = branch.refusals();
            if (Integer.bitCount(n) == 1) { // the 1st, 2nd, 4th, 8th...: a flood shows in the log without filling it
                Log.warning("refused ALLOCATE_ID from " + from.name() + ": its part of the tree has had "
                        + MAX_BLOCKS_PER_CHILD + " blocks of " + ID_BLOCK + " context ids, the most it may have ("
                        + n + (n == 1 ? " request" : " requests") + " refused so far)");
            }
            router.send(Message.deadReplyTo(m, router.myId(), "context " + from.name() + " has had its "
                    + MAX_BLOCKS_PER_CHILD + " blocks of context ids"));
            return;
        }
        giveBlock(m, from, branch);
    }

    /** Records ids {@code [first, first + count)} as given to the child at the end of {@code to}. */
    final void grant(int first, int count, Stream to) {
        Grant g = new Grant(first, first + count, to, new BitSet());
        grants.put(first, g);
        if (to.isClosed()) grants.remove(first, g); // it ended meanwhile, perhaps after its blocks were forgotten
    }

    /** Answers ALLOCATE_ID {@code m} with the block {@code answer} (first, count). */
    final void answer(Message m, byte[] block) {
        router.send(new Message(m.src, router.myId(), router.myId(), m.replyTo, Handles.NO_REPLY, block));
    }

    /**
     * Claims {@code id} for a route through {@code from} (ADD_ROUTE): null if granted, else why not. An id may be
     * routed only through the child its block went to, and only once.
     */
    final String claim(int id, Stream from) {
        Map.Entry<Integer, Grant> e = grants.floorEntry(id);
        Grant g = e != null && e.getValue().contains(id) ? e.getValue() : null;
        if (g == null || g.stream() != from) return "not an id given to that part of the tree";
        if (!g.claim(id)) return "that id was routed before, and ids are never reused";
        return null;
    }

    /** The child at the end of {@code stream} has gone: its blocks are forgotten. */
    final void forget(Stream stream) {
        grants.values().removeIf(g -> g.stream() == stream);
    }

    /** An ALLOCATE_ID answer's bytes for a block. */
    static byte[] blockBytes(int first, int count) {
        return ByteBuffer.allocate(8).putInt(first).putInt(count).array();
    }

    /** {first, count} from an ALLOCATE_ID answer, or null if it is not a well-formed block. */
    static int[] block(byte[] answer) {
        if (answer.length != 8) return null;
        ByteBuffer b = ByteBuffer.wrap(answer);
        int first = b.getInt(), count = b.getInt();
        return first < 1 || count < 1 || first > Integer.MAX_VALUE - count ? null : new int[]{first, count};
    }
}
