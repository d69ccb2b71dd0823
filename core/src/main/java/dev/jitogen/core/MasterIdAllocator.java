package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Log;
import dev.jitogen.core.wire.Message;

/**
 * The master's ids (master layer): one counter, from which it takes ids for the contexts it starts and blocks of
 * {@link #ID_BLOCK} for its children. Ids are int32 on the wire, so rather than wrap the counter stops short of
 * {@link Integer#MAX_VALUE}, and it never goes back: no id is given twice.
 *
 * <p>Threads: any; {@code this} guards the counter, and nothing else is done while holding it.
 */
final class MasterIdAllocator extends IdAllocator {
    static final String NO_IDS_LEFT = "no context ids left: the master has given out every id up to "
            + Integer.MAX_VALUE + ", and ids are never reused (a new master router starts again from 1)";

    /** The next context id to give, from 1; only ever moves on. Guarded by this. */
    private int nextContextId = 1;

    MasterIdAllocator(Router router) {
        super(router);
    }

    /** Moves the counter on to {@code next}: for a test of the end of the id space without 2 billion contexts. */
    synchronized void skipTo(int next) {
        if (next < nextContextId) throw new IllegalArgumentException("ids only move on: " + next + " < " + nextContextId);
        nextContextId = next;
    }

    @Override
    int next() {
        int id = take(1);
        if (id < 0) throw new StreamError(NO_IDS_LEFT);
        return id;
    }

    @Override
    void giveBlock(Message m, Stream from, Branch branch) {
        int first = take(ID_BLOCK);
        if (first < 0) {
            branch.returnBlock();
            Log.warning("refused ALLOCATE_ID from " + from.name() + ": " + NO_IDS_LEFT);
            router.send(Message.deadReplyTo(m, router.myId(), NO_IDS_LEFT));
            return;
        }
        grant(first, ID_BLOCK, from);
        answer(m, blockBytes(first, ID_BLOCK));
    }

    /** The first of {@code count} ids never given before, or -1 if fewer than that are left. */
    private synchronized int take(int count) {
        int first = nextContextId;
        if (first > Integer.MAX_VALUE - count) return -1; // the block's end must fit in an int too
        nextContextId = first + count;
        return first;
    }
}
