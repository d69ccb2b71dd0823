package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.KryoException;

/**
 * Data from a child went over a decoding limit, and decoding stopped there: it nests too deep, holds too many
 * elements, declares a length that the bytes after it cannot carry, or did not finish before the caller's deadline
 * (or the decoding thread was interrupted). The message names the limit and, for the limits a router sets, how to
 * raise it.
 *
 * <p>Threads: raised on the thread that decodes (never an I/O thread); immutable apart from the trace Kryo adds
 * while it unwinds on that same thread.
 */
public final class DataLimitException extends KryoException {
    private final boolean deadline;
    private final boolean interrupted;

    private DataLimitException(String message, boolean deadline, boolean interrupted) {
        super(message);
        this.deadline = deadline;
        this.interrupted = interrupted;
    }

    static DataLimitException depth(int max) {
        return new DataLimitException("the data nests deeper than " + max + " levels (objects within objects); if "
                + "that is genuine, raise the limit with Router.builder().maxDataDepth(...)", false, false);
    }

    static DataLimitException elements(long max) {
        return new DataLimitException("the data holds more than " + max + " elements, counting an object once for "
                + "every place that refers to it (as hashCode, equals and toString visit it); if that is genuine, "
                + "raise the limit with Router.builder().maxDataElements(...)", false, false);
    }

    static DataLimitException length(String what, long declared, int bytesLeft, int bytesEach) {
        return new DataLimitException("the data declares " + what + " of " + declared + " elements, but only "
                + bytesLeft + " bytes follow (at least " + bytesEach + " per element): refused before anything was "
                + "allocated", false, false);
    }

    static DataLimitException stack() {
        return new DataLimitException("the data nests too deep for this thread's stack, or refers to itself in a "
                + "way that hashing it never ends", false, false);
    }

    static DataLimitException cycle() {
        return new DataLimitException("a set element or map key in the data holds itself, through collections, maps "
                + "or records: its hash code would never end (in any JVM), so it cannot be added to a set or map", false,
                false);
    }

    static DataLimitException deadline() {
        return new DataLimitException("decoding did not finish before the caller's deadline", true, false);
    }

    static DataLimitException ofInterrupt() {
        return new DataLimitException("the decoding thread was interrupted", false, true);
    }

    /** True if decoding stopped at the caller's deadline. */
    public boolean deadlinePassed() {
        return deadline;
    }

    /** True if decoding stopped because its thread was interrupted (the thread's flag is left set). */
    public boolean byInterrupt() {
        return interrupted;
    }
}
