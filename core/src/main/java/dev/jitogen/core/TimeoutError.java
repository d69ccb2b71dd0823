package dev.jitogen.core;

/** A wait passed its deadline: {@link Receiver#get(java.time.Duration)} with no reply in time. 
 * <p>Threads: thrown on the thread that waits; immutable.
 */
public class TimeoutError extends JitogenError {
    public TimeoutError(String message) {
        super(message);
    }
}
