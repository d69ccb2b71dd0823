package dev.jitogen.shell;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The kernelspec {@code jitogen}: a {@code kernel.json} whose argv starts this kernel, written where
 * {@code jupyter kernelspec install} would put it, so that Jupyter (and {@code jupyter_client}'s
 * {@code KernelSpecManager}) finds it without Jupyter's own tools.
 *
 * <p>Pure functions but {@link #install}, which writes files; any thread.
 */
final class KernelSpec {
    static final String NAME = "jitogen";
    /** The launcher's JVM flags for the shell (see the {@code jitogen} script): C1 only starts faster. */
    static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xshare:auto", "-XX:TieredStopAtLevel=1");

    private KernelSpec() {}

    /**
     * Jupyter's kernels directory: {@code --user}'s is {@code $JUPYTER_DATA_DIR/kernels}, else
     * {@code $XDG_DATA_HOME/jupyter/kernels} or {@code ~/.local/share/jupyter/kernels}; {@code --prefix DIR}'s is
     * {@code DIR/share/jupyter/kernels}; the system's is {@code /usr/local/share/jupyter/kernels}.
     */
    static Path kernelsDir(boolean user, Path prefix, Map<String, String> env) {
        if (prefix != null) return prefix.toAbsolutePath().resolve("share/jupyter/kernels");
        if (!user) return Path.of("/usr/local/share/jupyter/kernels");
        String data = env.get("JUPYTER_DATA_DIR");
        if (data != null && !data.isBlank()) return Path.of(data).toAbsolutePath().resolve("kernels");
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share");
        return base.toAbsolutePath().resolve("jupyter/kernels");
    }

    /**
     * How Jupyter starts the kernel: through the launcher script that started this JVM ({@code JITOGEN_LAUNCHER},
     * an absolute path, which it exports), or else with this JVM's java, the launcher's flags and class path.
     */
    static List<String> argv(Map<String, String> env) {
        List<String> argv = new ArrayList<>();
        String launcher = env.get("JITOGEN_LAUNCHER");
        if (launcher != null && !launcher.isBlank()) {
            argv.add(Path.of(launcher).toAbsolutePath().normalize().toString());
        } else {
            argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            argv.addAll(JVM_FLAGS);
            List<String> cp = new ArrayList<>();
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!e.isEmpty()) cp.add(Path.of(e).toAbsolutePath().toString());
            }
            argv.add("-cp");
            argv.add(String.join(File.pathSeparator, cp));
            argv.add(Main.class.getName());
        }
        argv.addAll(List.of("kernel", "--connection-file", "{connection_file}"));
        return argv;
    }

    /** kernel.json: argv, names, and interrupts as messages (interrupt_request), not signals. */
    static String json(List<String> argv) {
        JsonObject o = new JsonObject();
        JsonArray a = new JsonArray();
        argv.forEach(a::add);
        o.add("argv", a);
        o.addProperty("display_name", "Java (Jitogen)");
        o.addProperty("language", "java");
        o.addProperty("interrupt_mode", "message");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("debugger", false);
        o.add("metadata", metadata);
        return new com.google.gson.GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
    }

    /** Writes {@code kernelsDir/jitogen/kernel.json} (replacing one there); returns the kernelspec's directory. */
    static Path install(Path kernelsDir, List<String> argv) throws IOException {
        Path dir = kernelsDir.resolve(NAME);
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "kernel", ".json.tmp");
        try {
            Files.writeString(tmp, json(argv), StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve("kernel.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return dir;
    }
}
