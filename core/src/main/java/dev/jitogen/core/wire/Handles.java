package dev.jitogen.core.wire;

/**
 * Standard handles, with Mitogen's roles and names where they fit (GET_MODULE/LOAD_MODULE become
 * GET_CLASS/LOAD_CLASS). Handles from {@link #FIRST_USER_HANDLE} up are allocated per router for receivers.
 * A standard handle serves requests, so a router never delivers a dead message to one: it drops and logs it.
 *
 * <p>Threads: constants only; any thread.
 */
public final class Handles {
    private Handles() {}

    /** reply_to value marking a dead message (Mitogen's IS_DEAD). */
    public static final int IS_DEAD = 999;
    /** reply_to value of a message that wants no reply. */
    public static final int NO_REPLY = 0;

    public static final int CALL_FUNCTION = 101;
    public static final int FORWARD_LOG = 102;
    public static final int ADD_ROUTE = 103;
    public static final int DEL_ROUTE = 104;
    public static final int ALLOCATE_ID = 105;
    public static final int SHUTDOWN = 106;
    public static final int LOAD_CLASS = 107;
    public static final int FORWARD_CLASS = 108;
    public static final int DETACHING = 109;
    public static final int GET_CLASS = 110;
    public static final int GET_RESOURCE = 111;
    public static final int CANCEL = 112;

    public static final int FIRST_USER_HANDLE = 1000;
}
