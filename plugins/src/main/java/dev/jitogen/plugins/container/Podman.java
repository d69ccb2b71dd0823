package dev.jitogen.plugins.container;

import java.util.List;

/**
 * A context in a Podman container (Mitogen's {@code Router.podman}): {@code podman exec -i}.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Podman extends ContainerContext<Podman> {

    private Podman() {}

    /** Enter the running container {@code container}. */
    public static Podman into(String container) {
        return new Podman().container(container);
    }

    @Override
    protected String method() {
        return "podman";
    }

    @Override
    protected String defaultTool() {
        return "podman";
    }

    @Override
    protected List<String> argv(String script) {
        return line(script, tool(), "exec", "-i", username != null ? "--user=" + username : null, requireContainer());
    }

    /** The {@code podman} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("podman", "enter a Podman container (podman exec)", "--podman-path", true, Podman::new);
        }
    }
}
