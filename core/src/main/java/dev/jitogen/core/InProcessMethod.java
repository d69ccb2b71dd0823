package dev.jitogen.core;

import dev.jitogen.core.spi.ConnectionMethod;

import java.util.List;
import java.util.Map;

/**
 * The {@code in-process} connection method as a {@link ConnectionMethod}: {@link Router#inProcess(String, Context)},
 * a context inside the JVM of its parent (Mitogen's {@code fork}, the JVM way). It takes no options.
 *
 * <p>Threads: stateless; any thread. {@link #connect} returns once the context is attached.
 */
public final class InProcessMethod implements ConnectionMethod {
    @Override
    public String name() {
        return "in-process";
    }

    @Override
    public String summary() {
        return "start a context inside the parent's JVM (own router and class loader, no new process)";
    }

    @Override
    public List<Option> options() {
        return List.of();
    }

    @Override
    public Context connect(Router router, String name, Map<String, String> options, Context via) {
        if (!options.isEmpty()) throw new IllegalArgumentException("in-process takes no options, not " + options.keySet());
        return router.inProcess(name, via);
    }
}
