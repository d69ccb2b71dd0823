package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child's ids (Mitogen's {@code ChildIdAllocator}, parent layer): it takes ids from a block its parent gave it,
 * asking for another (ALLOCATE_ID, forwarded up to the master) when it runs out; and passes its own children's
 * requests up, noting each answer on its way down.
 *
 * <p>Threads: {@link #next} from any thread but a stream reader's (it waits for the parent); {@code this} guards the
 * current block, and is held while waiting for the next one, so two callers never both ask.
 */
final class ChildIdAllocator extends IdAllocator {
    /** This context's own block of ids for the contexts it starts: next and end (exclusive). Guarded by this. */
    private int idNext, idEnd;

    ChildIdAllocator(Router router) {
        super(router);
    }

    /**
     * A new allocator, typed as its superclass: the router that builds it then never names this class in a way its
     * verifier must check, so the class loads when first built, not when the router's class is linked.
     */
    static IdAllocator create(Router router) {
        return new ChildIdAllocator(router);
    }

    @Override
    synchronized int next() {
        if (idNext == idEnd) {
            int[] block = requestIds();
            idNext = block[0];
            idEnd = block[0] + block[1];
        }
        return idNext++;
    }

    /** Asks the parent for a block of context ids (of the size it chooses); returns {first, count}. */
    private int[] requestIds() {
        if (Stream.isReaderThread()) throw new IllegalStateException("context ids cannot be requested on a reader thread");
        CompletableFuture<Message> answer = new CompletableFuture<>();
        int parentId = router.parentId();
        int handle = router.addHandler(answer::complete, parentId, false);
        router.send(new Message(parentId, router.myId(), router.myId(), Handles.ALLOCATE_ID, handle, null));
        Message m;
        try {
            m = answer.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamError("interrupted while asking the parent for context ids");
        } catch (ExecutionException | TimeoutException e) {
            throw new StreamError("the parent of " + router.myName() + " did not give context ids within 30 s");
        } finally {
            router.removeHandler(handle);
        }
        int[] block = m.isDead() ? null : block(m.data);
        if (block == null) {
            throw new StreamError("the parent of " + router.myName() + " refused context ids: "
                    + new String(m.data, StandardCharsets.UTF_8));
        }
        return block;
    }

    @Override
    void giveBlock(Message m, Stream from, Branch branch) {
        int parentId = router.parentId();
        int handle = router.addHandler(answer -> {
            int[] block = answer.isDead() ? null : block(answer.data);
            if (block == null) {
                branch.returnBlock();
                router.send(Message.deadReplyTo(m, router.myId(), "the parent of " + router.myName()
                        + " gave no context ids" + (answer.isDead() ? ": " + answer.deadReason() : "")));
                return;
            }
            grant(block[0], block[1], from);
            answer(m, answer.data);
        }, parentId, false);
        router.send(new Message(parentId, router.myId(), router.myId(), Handles.ALLOCATE_ID, handle, null));
    }
}
