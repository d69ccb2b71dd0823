package dev.jitogen.plugins.container;

import java.util.List;

/**
 * A context in a Docker container (Mitogen's {@code Router.docker}): {@code docker exec -i} into a running
 * container, or, with {@link #image}, {@code docker run -i --rm} of a temporary container that Docker removes
 * when the context ends.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Docker extends ContainerContext<Docker> {
    private String image;

    private Docker() {}

    /** Enter the running container {@code container}. */
    public static Docker into(String container) {
        return new Docker().container(container);
    }

    /** Start a temporary container from {@code image} instead (removed when the context ends). */
    public static Docker image(String image) {
        Docker d = new Docker();
        d.image = image;
        return d;
    }

    @Override
    protected String method() {
        return "docker";
    }

    @Override
    protected String defaultTool() {
        return "docker";
    }

    @Override
    protected List<String> argv(String script) {
        if (image != null && container == null) {
            return line(script, tool(), "run", "-i", "--rm", username != null ? "--user=" + username : null, image);
        }
        return line(script, tool(), "exec", "-i", username != null ? "--user=" + username : null, requireContainer());
    }

    /** The {@code docker} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("docker", "enter a Docker container (docker exec), or a temporary one from an image", "--docker-path", true, Docker::new);
        }

        @Override
        protected List<Option> extraOptions() {
            return List.of(new Option("image", "--image", "IMAGE", "run a temporary container of IMAGE instead"));
        }

        @Override
        protected void extra(ContainerContext<?> c, java.util.Map<String, String> o) {
            if (o.containsKey("image")) ((Docker) c).image = o.get("image");
            if (c.container == null && !o.containsKey("image")) throw new IllegalArgumentException("give a container or --image");
        }
    }
}
