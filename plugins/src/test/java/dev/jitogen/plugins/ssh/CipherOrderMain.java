package dev.jitogen.plugins.ssh;

import dev.jitogen.core.Router;

/** Prints the cipher an SSH client of this JVM offers first (for {@link SshCipherTest}, which picks the JVM's flags). */
public final class CipherOrderMain {
    private CipherOrderMain() {}

    public static void main(String[] args) {
        try (Router router = Router.create()) {
            System.out.println(SshClients.of(router, false).getCipherFactories().get(0).getName());
        }
    }
}
