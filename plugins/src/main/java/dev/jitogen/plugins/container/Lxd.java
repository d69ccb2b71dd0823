package dev.jitogen.plugins.container;

import java.util.List;

/**
 * A context in an LXD container (Mitogen's {@code Router.lxd}): {@code lxc exec --mode=noninteractive}.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Lxd extends ContainerContext<Lxd> {

    private Lxd() {}

    /** Enter the container {@code container}. */
    public static Lxd into(String container) {
        return new Lxd().container(container);
    }

    @Override
    protected String method() {
        return "lxd";
    }

    @Override
    protected String defaultTool() {
        return "lxc";
    }

    @Override
    protected List<String> argv(String script) {
        return line(script, tool(), "exec", "--mode=noninteractive", requireContainer(), "--");
    }

    /** The {@code lxd} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("lxd", "enter an LXD container (lxc exec)", "--lxc-path", false, Lxd::new);
        }
    }
}
