package dev.jitogen.shell;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Router;
import dev.jitogen.core.spi.ConnectionMethod;

import java.util.List;
import java.util.Map;

/**
 * A connection method that exists only on the tests' class path, as a plugin would: the shell must give it a
 * command, help and completion with no change of its own. It starts a local child named after its positional
 * option.
 */
public final class PluginMethodForTests implements ConnectionMethod {
    @Override
    public String name() {
        return "plugintest";
    }

    @Override
    public String summary() {
        return "a test plugin's method";
    }

    @Override
    public List<Option> options() {
        return List.of(new Option("label", null, null, "shown in ps as jitogen:LABEL"),
                new Option("quick", "--quick", null, "a flag without a value"));
    }

    @Override
    public Context connect(Router router, String name, Map<String, String> options, Context via) {
        return router.local(LocalOptions.builder().name(name).remoteName(options.getOrDefault("label", name)).build());
    }
}
