package dev.jitogen.core.classload;

/**
 * Which classes may be served (the master's {@code ClassPolicy} is one). Defined here so that class serving depends
 * on nothing above it.
 *
 * <p>Implementations are immutable and answer on any thread.
 */
@FunctionalInterface
public interface ClassFilter {
    /** Null when {@code className} may be served, else the reason it may not (shown to the child that asked). */
    String refusal(String className);
}
