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

    /** The failure as the caller sees it. Data from a child is not trusted: sizes are checked, depth is capped. */
    CallError toCallError(String contextName) {
        return toCallError(contextName, 0);
    }

    private CallError toCallError(String contextName, int depth) {
        List<StackTraceElement> frames = new ArrayList<>();
        int n = classes == null || methods == null || files == null || lines == null ? 0
                : Math.min(Math.min(classes.length, methods.length), Math.min(files.length, lines.length));
        for (int i = 0; i < Math.min(n, MAX_FRAMES); i++) {
            if (classes[i] == null || methods[i] == null) continue;
            frames.add(new StackTraceElement(classes[i], methods[i], files[i], lines[i]));
        }
        CallError c = cause == null || cause == this || depth >= MAX_CAUSES ? null : cause.toCallError(contextName, depth + 1);
        return new CallError(contextName, className == null ? "?" : className, message, frames, c);
    }
}
