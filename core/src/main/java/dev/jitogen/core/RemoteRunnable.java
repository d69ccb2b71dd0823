package dev.jitogen.core;

import java.io.Serializable;

/**
 * A function of no arguments that returns nothing. Serializable, so a lambda or method reference of this type can be sent to a context and run there:
 * the child fetches its capturing class from the master and rebuilds it; captured values travel with the call.
 * Capture only values that can be sent (see the serialization rules in the API guide).
 *
 * <p>Threads: runs in the target context on its main thread, one call at a time, in arrival order.
 */
@FunctionalInterface
public interface RemoteRunnable extends Serializable {
    void run() throws Exception;
}
