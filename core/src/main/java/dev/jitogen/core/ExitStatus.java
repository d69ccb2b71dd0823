package dev.jitogen.core;

/**
 * A child process's exit status in Mitogen's words, for {@link Context#exitDescription()} and failed connects.
 *
 * <p>Threads: stateless; any thread.
 */
final class ExitStatus {
    private static final String[] SIGNALS = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
            "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
            "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    private ExitStatus() {}

    /** {@code exited with return code N}, or for a status above 128 (a JVM's way of saying so), the signal. */
    static String describe(int status) {
        if (status > 128 && status < 128 + SIGNALS.length) {
            int sig = status - 128;
            return "exited due to signal " + sig + " (" + SIGNALS[sig] + ")";
        }
        return "exited with return code " + status;
    }
}
