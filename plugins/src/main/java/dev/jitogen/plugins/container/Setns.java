package dev.jitogen.plugins.container;

import dev.jitogen.core.StreamError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A context inside a container's namespaces without the container tool's exec (Mitogen's {@code Router.setns}):
 * the tool is asked only for the container's root process id ({@code docker inspect}, {@code lxc-info},
 * {@code lxc info}, {@code machinectl show}); then util-linux {@code nsenter} enters that process's mount, UTS, IPC,
 * network and PID namespaces and its root and working directories, and runs the first stage there.
 *
 * <p>Mitogen calls {@code setns(2)} from Python through ctypes. A JVM cannot: setns applies to the calling thread
 * only, and a JVM is many threads started before any Java code runs. So the namespaces are entered by
 * {@code nsenter} before {@code java} starts, which needs what setns needs: root (CAP_SYS_ADMIN) on the host
 * running it, and {@code java} inside the container's file system.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Setns extends ContainerContext<Setns> {
    /** The container managers whose containers setns can enter. */
    public enum Kind { DOCKER, LXC, LXD, MACHINECTL }

    private Kind kind;
    private String nsenterPath = "nsenter";

    private Setns() {}

    public static Setns into(String container, Kind kind) {
        Setns s = new Setns().container(container);
        s.kind = kind;
        return s;
    }

    /** Default {@code nsenter} on PATH. */
    public Setns nsenterPath(String path) {
        this.nsenterPath = path;
        return this;
    }

    @Override
    protected String method() {
        return "setns";
    }

    @Override
    protected String defaultTool() {
        return switch (kind) {
            case DOCKER -> "docker";
            case LXC -> "lxc-info";
            case LXD -> "lxc";
            case MACHINECTL -> "machinectl";
        };
    }

    @Override
    protected List<String> argv(String script) {
        if (kind == null) throw new IllegalArgumentException("setns needs the kind of container: docker, lxc, lxd or machinectl");
        long pid = rootPid();
        List<String> argv = new ArrayList<>(List.of(nsenterPath, "-t", Long.toString(pid), "-m", "-u", "-i", "-n", "-p",
                "-r", "-w", "--"));
        if (username != null && !username.equals("root")) argv.addAll(List.of("su", "-s", SH, username, "-c", script));
        else argv.addAll(List.of(SH, "-c", script));
        return argv;
    }

    /** Asks the container manager for the container's first process. */
    private long rootPid() {
        String c = requireContainer();
        List<String> ask = switch (kind) {
            case DOCKER -> List.of(tool(), "inspect", "--format", "{{.State.Pid}}", c);
            case LXC -> List.of(tool(), "-n", c, "-p", "-H");
            case LXD -> List.of(tool(), "info", c);
            case MACHINECTL -> List.of(tool(), "show", "--property=Leader", c);
        };
        String out;
        try {
            ProcessBuilder builder = new ProcessBuilder(ask).redirectErrorStream(true);
            dev.jitogen.core.spi.ChildEnvironment.applyTo(builder.environment());
            Process p = builder.start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new StreamError("setns: " + String.join(" ", ask) + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new StreamError("setns: cannot run " + ask.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamError("setns: interrupted while asking " + ask.get(0) + " for the container's process");
        }
        for (String line : out.split("\n")) {
            String l = line.strip();
            String value = l.contains(":") ? l.substring(l.indexOf(':') + 1).strip()
                    : l.contains("=") ? l.substring(l.indexOf('=') + 1).strip() : l;
            String key = l.toLowerCase(Locale.ROOT);
            boolean pidLine = !l.contains(":") && !l.contains("=") || key.startsWith("pid") || key.startsWith("leader");
            if (pidLine && value.matches("\\d+") && !value.equals("0")) return Long.parseLong(value);
        }
        throw new StreamError("setns: container " + c + " has no running process (" + String.join(" ", ask)
                + " printed: " + out.strip() + ")");
    }

    /** The {@code setns} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("setns", "enter a container's namespaces with nsenter (needs root)", "--tool-path", true, Setns::new);
        }

        @Override
        protected List<Option> extraOptions() {
            return List.of(new Option("kind", "--kind", "KIND", "docker, lxc, lxd or machinectl (required)"),
                    new Option("nsenter-path", "--nsenter-path", "PATH", "the nsenter program"));
        }

        @Override
        protected void extra(ContainerContext<?> c, Map<String, String> o) {
            Setns s = (Setns) c;
            String k = o.get("kind");
            if (k == null) throw new IllegalArgumentException("--kind is required: docker, lxc, lxd or machinectl");
            try {
                s.kind = Kind.valueOf(k.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--kind takes docker, lxc, lxd or machinectl, not " + k);
            }
            if (o.containsKey("nsenter-path")) s.nsenterPath(o.get("nsenter-path"));
        }
    }
}
