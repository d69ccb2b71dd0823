package dev.jitogen.core.classload;

import java.util.Set;

/**
 * What a child's {@link ClassFetcher} and {@link ClassRelay} need from its router: messages to its parent and
 * children, and a few answers the layers above them hold. One interface its router's child side implements, rather
 * than a function for each, since each lambda a child meets as it starts costs it a class spun at run time (How it
 * works, "A child's start").
 *
 * <p>Threads: any; implementations never block (they queue messages).
 */
public interface ParentLink {
    /** Sends GET_CLASS for {@code name} to this context's parent. */
    void askParent(String name);

    /** Sends a LOAD_CLASS payload to the child {@code child}. */
    void answerChild(int child, byte[] payload);

    /** The set of classes already sent to the child {@code child} (updated by the caller), or null if unknown. */
    Set<String> sentTo(int child);

    /**
     * The family of runtime classes fetched on demand that {@code name} belongs to (empty if none): a child asking
     * for one gets all of them, as the master would send them.
     */
    Set<String> family(String name);

    /**
     * True for a runtime class never sent ahead of a need, though a class sent names it (the master layer, and what
     * {@code Context}'s annotation names): a relay passes on no family for naming it, as the master's class server
     * does not.
     */
    boolean notSentAhead(String name);

    /** The error for a class the master's policy refuses, from the refusal's text (the public API's own error). */
    NoClassDefFoundError denial(String reason);
}
