package dev.jitogen.plugins.ssh;

/**
 * What to do with the server's host key, as Mitogen's {@code check_host_keys}.
 *
 * <p>Threads: an enum; any thread.
 */
public enum HostKeyPolicy {
    /** Only keys already in {@code known_hosts}; an unknown or changed key is a {@link HostKeyError}. The default. */
    ENFORCE,
    /** Unknown keys are accepted and appended to {@code known_hosts}; a changed key is still a {@link HostKeyError}. */
    ACCEPT,
    /** Any key is accepted and nothing is recorded. Only for throwaway hosts. */
    IGNORE
}
