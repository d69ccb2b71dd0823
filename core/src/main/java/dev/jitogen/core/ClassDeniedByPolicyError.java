package dev.jitogen.core;

/**
 * Thrown in a child when the master's {@link ClassPolicy} refuses a class the child asked for. It is a
 * {@link NoClassDefFoundError}, so code that copes with a missing class copes with this one; the message names the
 * class and the override that would allow it. The caller of the remote function sees it inside a {@link CallError}.
 *
 * <p>Threads: thrown on the child thread that needed the class; immutable afterwards.
 */
public class ClassDeniedByPolicyError extends NoClassDefFoundError {
    public ClassDeniedByPolicyError(String message) {
        super(message);
    }
}
