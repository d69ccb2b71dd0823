package dev.jitogen.plugins.ssh;

import java.nio.file.Path;

/**
 * Asks someone for the passphrase of an encrypted private key, as {@code ssh} does at a terminal
 * ({@code Enter passphrase for key '...':}). Registered per router with {@link Ssh#passphrasePrompt}; the shell
 * registers one that reads the passphrase without echoing it.
 *
 * <p>Threads: called on the thread that connects ({@link Ssh#connect}), never on an I/O thread, and only once the
 * keys that need no passphrase (the agent's, unencrypted files) were refused. It may block as long as the operator
 * takes; the connect timeout does not run meanwhile.
 */
@FunctionalInterface
public interface PassphrasePrompt {
    /**
     * @param keyFile the encrypted private key
     * @return its passphrase, or null to skip the key
     */
    String passphrase(Path keyFile);
}
