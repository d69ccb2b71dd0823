package dev.jitogen.core;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per context this router serves classes to (parent layer: the master's class service, a child's relay), the
 * classes already sent there, so that none is sent twice down one stream. A context is tracked from its start
 * (booted with the core bundle) and forgotten when it ends; a GET_CLASS from a context not tracked is ignored.
 *
 * <p>Threads: any; the map is concurrent. Whoever sends classes to a context holds that context's set while it
 * chooses and queues them (see {@link ClassService}).
 */
final class SentClasses {
    private final Map<Integer, Set<String>> sent = new ConcurrentHashMap<>();
    private final int maxMessageSize;

    SentClasses(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /** Context {@code id} is one of ours, booted with the core bundle: classes may be sent to it from now on. */
    void track(int id) {
        Set<String> names = ConcurrentHashMap.newKeySet();
        names.addAll(CoreBundle.forMaxMessageSize(maxMessageSize).names());
        sent.put(id, names);
    }

    /** The classes already sent to context {@code id}, or null if it is not one of ours. */
    Set<String> to(int id) {
        return sent.get(id);
    }

    /** Context {@code id} is gone. */
    void forget(int id) {
        sent.remove(id);
    }
}
