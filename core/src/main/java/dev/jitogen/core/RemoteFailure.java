package dev.jitogen.core;

import java.util.ArrayList;
import java.util.List;

/**
 * An exception as data: what a child sends back when a function fails. Plain strings and ints only, so the parent
 * never instantiates a child-chosen exception class. Becomes a {@link CallError} in the caller.
 */
final class RemoteFailure {
    private static final int MAX_FRAMES = 256, MAX_CAUSES = 16;

    String className;
    String message;
    String[] classes;
    String[] methods;
    String[] files;
    int[] lines;
    RemoteFailure cause;

    private RemoteFailure() {}

    static RemoteFailure of(Throwable t) {
        return of(t, 0);
    }

    private static RemoteFailure of(Throwable t, int depth) {
        RemoteFailure f = new RemoteFailure();
        f.className = t.getClass().getName();
        f.message = t.getMessage();
        StackTraceElement[] st = t.getStackTrace();
        int n = Math.min(st.length, MAX_FRAMES);
        f.classes = new String[n];
        f.methods = new String[n];
        f.files = new String[n];
        f.lines = new int[n];
        for (int i = 0; i < n; i++) {
            f.classes[i] = st[i].getClassName();
            f.methods[i] = st[i].getMethodName();
            f.files[i] = st[i].getFileName();
            f.lines[i] = st[i].getLineNumber();
        }
        if (t.getCause() != null && t.getCause() != t && depth < MAX_CAUSES) f.cause = of(t.getCause(), depth + 1);
        return f;
    }

    /** A failure with a message only, for errors Jitogen itself detects in the child. */
    static RemoteFailure of(String className, String message) {
        RemoteFailure f = new RemoteFailure();
        f.className = className;
        f.message = message;
        f.classes = f.methods = f.files = new String[0];
        f.lines = new int[0];
        return f;
    }

    CallError toCallError(String contextName) {
        List<StackTraceElement> frames = new ArrayList<>(classes.length);
        for (int i = 0; i < classes.length; i++) {
            frames.add(new StackTraceElement(classes[i], methods[i], files[i], lines[i]));
        }
        return new CallError(contextName, className, message, frames,
                cause == null ? null : cause.toCallError(contextName));
    }
}
