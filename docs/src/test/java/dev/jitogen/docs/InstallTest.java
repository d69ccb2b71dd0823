package dev.jitogen.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Install section: the tarball that {@code mvn package} leaves in {@code dist/}, unpacked anywhere,
 * runs with a JDK and nothing else: here with the machine's {@code PATH} less Maven. Its
 * {@code bin/jitogen run --check} replays the example runbook the tarball ships, in a fresh session, against the
 * outputs recorded in it, and its {@code bin/jitogen kernel install} writes a kernelspec that starts it.
 */
class InstallTest {
    @Test
    void theTarballRunsARunbookWithMavenOffThePath(@TempDir Path dir) throws Exception {
        String version = System.getProperty("jitogen.version");
        Path tarball = Path.of("..", "dist", "jitogen-" + version + ".tar.gz").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(tarball), tarball + " is made by mvn package (the shell module)");
        assertEquals(0, new ProcessBuilder("tar", "xzf", tarball.toString(), "-C", dir.toString()).inheritIO()
                .start().waitFor());
        Path home = dir.resolve("jitogen-" + version);

        // the machine's PATH less Maven: a directory of links to every other command on it
        Path tools = Files.createDirectory(dir.resolve("tools"));
        for (String d : System.getenv("PATH").split(":")) {
            if (d.isEmpty() || !Files.isDirectory(Path.of(d))) continue;
            try (var commands = Files.list(Path.of(d))) {
                for (Path c : (Iterable<Path>) commands::iterator) {
                    String name = c.getFileName().toString();
                    if (name.startsWith("mvn") || Files.exists(tools.resolve(name), LinkOption.NOFOLLOW_LINKS)) continue;
                    if (Files.isExecutable(c) && !Files.isDirectory(c)) Files.createSymbolicLink(tools.resolve(name), c);
                }
            }
        }
        String[] noMaven = jitogen(home, tools, "-c", "command -v mvn || echo none");
        assertEquals("none\n", noMaven[1], "Maven is not on the PATH");

        String[] v = jitogen(home, tools, home.resolve("bin/jitogen").toString(), "--version");
        assertEquals("0", v[0], v[1]);
        assertTrue(v[1].startsWith("jitogen " + version + " (Java "), v[1]); // from the jar's manifest

        String[] run = jitogen(home, tools, home.resolve("bin/jitogen").toString(), "run",
                "docs/examples/runbook.md", "--check");
        assertEquals("0", run[0], run[1]);
        assertTrue(run[1].contains("docs/examples/runbook.md: every output as recorded"), run[1]);

        // the Jupyter kernelspec starts the kernel through the tarball's own launcher
        String[] kernel = jitogen(home, tools, home.resolve("bin/jitogen").toString(), "kernel", "install",
                "--prefix", dir.resolve("jupyter").toString());
        assertEquals("0", kernel[0], kernel[1]);
        String spec = Files.readString(dir.resolve("jupyter/share/jupyter/kernels/jitogen/kernel.json"));
        assertTrue(spec.contains("\"" + home.resolve("bin/jitogen") + "\""), spec);
    }

    /** Runs {@code args} through bash in {@code home} with only {@code tools} on the PATH; status and output. */
    private static String[] jitogen(Path home, Path tools, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tools.resolve("bash").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", tools.toString());
        env.put("HOME", home.toString());
        env.put("JITOGEN_CDS", "off"); // the class-data archive's training run would double the test's time
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        return new String[]{Integer.toString(p.waitFor()), out};
    }
}
