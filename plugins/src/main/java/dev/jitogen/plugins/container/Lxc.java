package dev.jitogen.plugins.container;

import java.util.List;

/**
 * A context in an LXC classic container (Mitogen's {@code Router.lxc}): {@code lxc-attach --clear-env -n NAME}.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Lxc extends ContainerContext<Lxc> {

    private Lxc() {}

    /** Enter the container {@code container}. */
    public static Lxc into(String container) {
        return new Lxc().container(container);
    }

    @Override
    protected String method() {
        return "lxc";
    }

    @Override
    protected String defaultTool() {
        return "lxc-attach";
    }

    @Override
    protected List<String> argv(String script) {
        return line(script, tool(), "--clear-env", "-n", requireContainer(), "--");
    }

    /** The {@code lxc} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("lxc", "enter an LXC container (lxc-attach)", "--lxc-attach-path", false, Lxc::new);
        }
    }
}
