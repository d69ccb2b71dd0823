package dev.jitogen.plugins.container;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A directory of stub programs named as the real tools (see {@code stubs/stub-tool.sh}), with their settings and
 * the log of their calls.
 */
public final class Stubs {
    public final Path dir;
    public final Path log;

    public Stubs(String password, long pid) throws IOException {
        dir = Files.createTempDirectory("jitogen-stubs");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        log = dir.resolve("calls.log");
        byte[] stub;
        try (InputStream in = Stubs.class.getResourceAsStream("/stubs/stub-tool.sh")) {
            stub = in.readAllBytes();
        }
        for (String tool : List.of("docker", "podman", "buildah", "kubectl", "lxc-attach", "lxc", "lxc-info", "incus",
                "jexec", "doas")) {
            Path p = dir.resolve(tool);
            Files.write(p, stub);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(dir.resolve("stub.env"), "JITOGEN_STUB_LOG='" + log + "'\nJITOGEN_STUB_PID=" + pid + "\n"
                + (password != null ? "JITOGEN_STUB_PASSWORD='" + password + "'\n" : ""));
    }

    public String tool(String name) {
        return dir.resolve(name).toString();
    }

    /** The calls logged so far, one per line: {@code NAME [arg] [arg]...}. */
    public List<String> calls() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }
}
