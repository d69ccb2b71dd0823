package dev.jitogen.plugins.become;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway accounts and sudoers rules for one test class, removed afterwards: {@code jitogen-a} may become
 * {@code jitogen-b} with sudo and no password, and {@code jitogen-c} with its own password; {@code jitogen-b} has
 * a password for su. Needs root and sudo (installed by {@code .ci/run}); the tests are skipped, saying why,
 * without them.
 */
final class TestAccounts {
    static final String A = "jitogen-a", B = "jitogen-b", C = "jitogen-c";
    static final String A_PASSWORD = "a-Secret-1", B_PASSWORD = "b-Secret-2";
    private static final Path SUDOERS = Path.of("/etc/sudoers.d/jitogen-test");

    TestAccounts() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "creating test accounts needs root (run the tests through .ci/run, or as root)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/sudo")),
                "sudo is not installed (.ci/run installs it: apt-get install sudo)");
        for (String user : List.of(A, B, C)) {
            run("userdel", "-r", user); // leftovers of an interrupted run
            run("useradd", "-m", "-s", "/bin/sh", user);
        }
        chpasswd(A + ":" + A_PASSWORD + "\n" + B + ":" + B_PASSWORD + "\n" + C + ":c-Secret-3\n");
        Files.writeString(SUDOERS, "Defaults:" + A + " !lecture, passwd_tries=3, timestamp_timeout=0\n"
                + A + " ALL=(" + B + ") NOPASSWD: ALL\n"
                + A + " ALL=(" + C + ") ALL\n");
        Files.setPosixFilePermissions(SUDOERS, PosixFilePermissions.fromString("r--r-----"));
    }

    private static void chpasswd(String lines) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
        p.getOutputStream().write(lines.getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException("chpasswd failed: " + out);
    }

    private static int run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
        return p.exitValue();
    }

    void close() throws IOException, InterruptedException {
        Files.deleteIfExists(SUDOERS);
        for (String user : List.of(A, B, C)) {
            run("pkill", "-KILL", "-u", user);
            run("userdel", "-r", user);
        }
    }
}
