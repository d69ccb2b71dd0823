package dev.jitogen.core;

import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Message;

/**
 * What a router adds on top of the routing core according to its role, as Mitogen's {@code master.Router} and
 * {@code parent.Router} add to {@code core.Router}: the master's {@link MasterLayer}, or a child's
 * {@link ChildLayer}. The facade asks its layer instead of switching on its role; the routing core has no role.
 *
 * <p>Threads: as each method says; implementations never block on a reader thread.
 */
interface Layer {
    /** Whether this is the master's router. */
    boolean isMaster();

    /** How {@code Router.myself()} names this context's connection method: {@code master} or {@code self}. */
    String selfMethod();

    /** Class-serving counters: what the master served, or what a child relayed. Any thread. */
    Stats stats();

    /**
     * A route to {@code id} through a child was added: a direct child just attached ({@code direct}) or an
     * ADD_ROUTE from below. The master starts serving it classes; a child tells its parent. Any thread.
     */
    void routeAdded(int id, boolean direct);

    /** The stream of a direct child ended: forget what was kept for it. Reader thread: never blocks. */
    void streamEnded(Stream stream);

    /** Sends a call's class ahead of the call, where this layer serves classes (the master). Caller's thread. */
    void pushClass(int id, String className);

    /** How many forwarded log records have arrived here so far (0 where none are printed). Any thread. */
    long logMark();

    /** Waits for the first {@code mark} forwarded records to be printed, where they are (the master). */
    void awaitLogs(long mark, long maxNanos);

    /** Whether {@code m}'s data is trusted: only a child trusts, and only its parent chain. Any thread. */
    boolean trusts(Message m);

    /**
     * The class file of a class this context may have sent for a call, or null (see {@code CallClasses}): the
     * master's own code, or what a child received to relay.
     */
    byte[] callClassFile(String name);
}
