package dev.jitogen.plugins.container;

import java.util.List;

/**
 * A context in a Buildah working container (Mitogen's {@code Router.buildah}): {@code buildah run}.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Buildah extends ContainerContext<Buildah> {

    private Buildah() {}

    /** Enter the working container {@code container}. */
    public static Buildah into(String container) {
        return new Buildah().container(container);
    }

    @Override
    protected String method() {
        return "buildah";
    }

    @Override
    protected String defaultTool() {
        return "buildah";
    }

    @Override
    protected List<String> argv(String script) {
        return line(script, tool(), "run", username != null ? "--user=" + username : null, requireContainer(), "--");
    }

    /** The {@code buildah} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("buildah", "enter a Buildah working container (buildah run)", "--buildah-path", true, Buildah::new);
        }
    }
}
