package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A direct child's stream as its parent's router sees it (parent layer): the blocks of ids its part of the tree has
 * had, and the contexts outside that part it has sent messages to (Mitogen's egress ids), so that the loss of one of
 * those reaches it (DEL_ROUTE down) and its waiters end at once.
 *
 * <p>Threads: touched by every stream's reader thread and by callers starting contexts. {@code talkedTo} is a
 * concurrent set and {@code talksToMany} volatile; {@code this} guards the block counters only, and nothing is
 * called while holding it.
 */
final class Branch {
    /** Ids remembered per branch; past it, the branch hears of every loss (bounded memory per child). */
    private static final int MAX_TALKED_TO = 1024;
    final Stream stream;
    private final Set<Integer> talkedTo = ConcurrentHashMap.newKeySet();
    private volatile boolean talksToMany;
    /** Blocks given to this branch, and requests refused for going past the bound. Guarded by this. */
    private int blocks, refusals;

    Branch(Stream stream) {
        this.stream = stream;
    }

    void talkedTo(int id) {
        if (talksToMany || talkedTo.contains(id)) return;
        if (talkedTo.size() >= MAX_TALKED_TO) talksToMany = true;
        else talkedTo.add(id);
    }

    /** Whether this branch must hear that {@code id} is lost; it forgets the id either way. */
    boolean mustHearOfLoss(int id) {
        return talkedTo.remove(id) || talksToMany;
    }

    /** Counts a block about to be given; false (and one more refusal) if the branch has had its share. */
    synchronized boolean takeBlock() {
        if (blocks >= IdAllocator.MAX_BLOCKS_PER_CHILD) {
            refusals++;
            return false;
        }
        blocks++;
        return true;
    }

    /** The block counted by {@link #takeBlock} was not given after all. */
    synchronized void returnBlock() {
        blocks--;
    }

    synchronized int refusals() {
        return refusals;
    }
}
