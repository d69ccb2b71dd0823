package dev.jitogen.plugins.container;

import java.util.List;

/**
 * A context in an Incus container: {@code incus exec --mode=non-interactive}, as {@link Lxd} for LXD.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Incus extends ContainerContext<Incus> {

    private Incus() {}

    /** Enter the container {@code container}. */
    public static Incus into(String container) {
        return new Incus().container(container);
    }

    @Override
    protected String method() {
        return "incus";
    }

    @Override
    protected String defaultTool() {
        return "incus";
    }

    @Override
    protected List<String> argv(String script) {
        return line(script, tool(), "exec", "--mode=non-interactive", requireContainer(), "--");
    }

    /** The {@code incus} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("incus", "enter an Incus container (incus exec)", "--incus-path", false, Incus::new);
        }
    }
}
