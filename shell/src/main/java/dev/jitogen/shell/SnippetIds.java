package dev.jitogen.shell;

import jdk.jshell.Snippet;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names snippets as the JDK's {@code jshell} does: what the user types is numbered {@code 1, 2, ...} (and its
 * values {@code $1, $2, ...}), start-up snippets {@code s1, s2, ...}, rejected ones {@code e1, e2, ...}. The shell's
 * own helper snippets (the code behind {@code /on}, probes) go to a hidden space and are never listed.
 * Numbers go on after {@code /reset} (jshell starts again at 1): JShell keeps the names {@code $1, $2, ...} of
 * dropped snippets, and a number must name one snippet's value.
 *
 * <p>Threads: JShell calls {@link #id} and {@link #nextTemp} on the thread that evaluates; the shell switches spaces
 * on that same thread. The map is concurrent because completion may read it from the line reader's thread.
 */
final class SnippetIds {
    enum Space {
        MAIN(""), START("s"), ERROR("e"), HIDDEN("h");

        final String prefix;

        Space(String prefix) {
            this.prefix = prefix;
        }
    }

    private final int[] next = new int[Space.values().length];
    private final Map<Snippet, Space> spaces = new ConcurrentHashMap<>();
    /** Where new snippets go; switched around start-up and helper evaluations. */
    private volatile Space current = Space.START;

    SnippetIds() {
        java.util.Arrays.fill(next, 1);
    }

    /** JShell's id generator: called once per snippet, when its status is known. */
    String id(Snippet s, java.util.function.Predicate<Snippet> active) {
        Space space = current == Space.MAIN && !active.test(s) ? Space.ERROR : current;
        spaces.put(s, space);
        return space.prefix + next[space.ordinal()]++;
    }

    /** JShell's temp-variable name generator: {@code $} and the number the next snippet will get. */
    String nextTemp() {
        return "$" + (current == Space.MAIN ? "" : current.prefix) + next[current.ordinal()];
    }

    /** The number the next user snippet gets. */
    int nextMain() {
        return next[Space.MAIN.ordinal()];
    }

    Space current() {
        return current;
    }

    void use(Space space) {
        current = space;
    }

    /** Runs {@code action} with new snippets going to {@code space}. */
    <T> T in(Space space, java.util.function.Supplier<T> action) {
        Space before = current;
        current = space;
        try {
            return action.get();
        } finally {
            current = before;
        }
    }

    Space spaceOf(Snippet s) {
        return spaces.getOrDefault(s, Space.HIDDEN);
    }

    /**
     * Takes back the number of {@code s}, the snippet numbered last, evaluated too early (see the shell's eval): the
     * same source evaluated again gets it, and {@code s} is never listed.
     */
    void retract(Snippet s) {
        Space space = spaces.put(s, Space.HIDDEN);
        if (space != null && space != Space.HIDDEN) next[space.ordinal()]--;
    }

}
