package dev.jitogen.core;

import java.util.List;

/**
 * A remote function failed. Carries the remote exception's class name, message and stack, and its cause chain as
 * further {@code CallError}s. The stack trace starts with the remote frames, each marked with the context's name in
 * place of a class loader name ({@code at local//java.base/...}), followed by the caller's own frames.
 *
 * <p>Also raised when the reply cannot be accepted (a result type outside the data allow-list); then
 * {@link #remoteClassName()} names Jitogen's refusal and the message names the type.
 *
 * <p>Threads: built and thrown on the thread that waits for the reply, never on an I/O thread; immutable.
 */
public class CallError extends JitogenError {
    private final String contextName;
    private final String remoteClassName;
    private final String remoteMessage;

    public CallError(String contextName, String remoteClassName, String remoteMessage,
                     List<StackTraceElement> remoteStack, CallError cause) {
        super("[" + contextName + "] " + remoteClassName + (remoteMessage == null ? "" : ": " + remoteMessage), cause);
        this.contextName = contextName;
        this.remoteClassName = remoteClassName;
        this.remoteMessage = remoteMessage;
        if (!remoteStack.isEmpty()) {
            StackTraceElement[] local = getStackTrace();
            StackTraceElement[] all = new StackTraceElement[remoteStack.size() + local.length];
            for (int i = 0; i < remoteStack.size(); i++) {
                StackTraceElement e = remoteStack.get(i);
                all[i] = new StackTraceElement(contextName, e.getModuleName(), e.getModuleVersion(),
                        e.getClassName(), e.getMethodName(), e.getFileName(), e.getLineNumber());
            }
            System.arraycopy(local, 0, all, remoteStack.size(), local.length);
            setStackTrace(all);
        }
    }

    /** Name of the context the function ran in. */
    public String contextName() {
        return contextName;
    }

    /** Binary name of the exception class thrown remotely, e.g. {@code java.nio.file.NoSuchFileException}. */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** The remote exception's message, or null. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** The remote frames only, each marked with the context's name. */
    public StackTraceElement[] remoteStackTrace() {
        StackTraceElement[] all = getStackTrace();
        int n = 0;
        while (n < all.length && contextName.equals(all[n].getClassLoaderName())) n++;
        return java.util.Arrays.copyOf(all, n);
    }

    @Override
    public synchronized CallError getCause() {
        return (CallError) super.getCause();
    }
}
