package dev.jitogen.plugins.container;

import java.util.List;

/**
 * A context in a FreeBSD jail (Mitogen's {@code Router.jail}): {@code jexec [-U USER] JAIL}.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Jail extends ContainerContext<Jail> {

    private Jail() {}

    /** Enter the jail {@code container}. */
    public static Jail into(String container) {
        return new Jail().container(container);
    }

    @Override
    protected String method() {
        return "jail";
    }

    @Override
    protected String defaultTool() {
        return "/usr/sbin/jexec";
    }

    @Override
    protected List<String> argv(String script) {
        return line(script, tool(), username != null ? "-U" : null, username, requireContainer());
    }

    /** The {@code jail} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("jail", "enter a FreeBSD jail (jexec)", "--jexec-path", true, Jail::new);
        }
    }
}
