package dev.jitogen.core;

import dev.jitogen.core.spi.ViaStart;

/**
 * The code a router sends a context to start a child of its own there, or to drop one: serializable lambdas, kept
 * out of {@link Router}. A class's serializable lambdas give it a {@code $deserializeLambda$} naming each of them,
 * and {@code Router} is a boot class: every child received that method and its strings, which only a context that
 * starts or drops children runs. This class is of the parent layer's family, which such a context needs anyway.
 *
 * <p>Threads: stateless; any thread.
 */
final class ViaCalls {
    private ViaCalls() {}

    /** Starts a local child in the context that runs it, with {@code there} (its via cleared) and the given name. */
    static ViaStart local(LocalOptions there) {
        return (router, name) -> router.local(there.newBuilder().name(name).build());
    }

    /** Starts an in-process context in the context that runs it. */
    static ViaStart inProcess() {
        return (router, name) -> router.inProcess(name, null);
    }

    /** Disconnects context {@code id}, a child of the context that runs it, if it is still there. */
    static RemoteCallable<Object> disconnect(int id) {
        return () -> {
            Router r = Router.current();
            Context c = r.contextById(id);
            if (c != null) r.disconnect(c);
            return null;
        };
    }
}
