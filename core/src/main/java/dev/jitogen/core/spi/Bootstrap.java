package dev.jitogen.core.spi;

import dev.jitogen.bootstrap.FirstStage;
import dev.jitogen.core.ChildMain;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Builds the one shell command that starts a context on any POSIX target: write the first-stage class from base64
 * into a fresh temporary directory, check that java exists, and exec it. The first stage deletes the directory as
 * soon as it runs, so nothing stays on the target's disk. A start that fails before the first stage runs (a bad JVM
 * flag, a JVM killed by the connect timeout) cannot delete it, so the script leaves a small watcher behind: a
 * background shell that waits, a second at a time, until the directory is gone or the process that became java has
 * ended, and then removes the directory.
 *
 * <p>Threads: stateless (two values cached once); any thread.
 *
 * <p>For connection methods: {@link #script} is the command to run on the target (as {@code sh -c SCRIPT}), the
 * rest helps to build the command line around it.
 */
public final class Bootstrap {
    /**
     * What the first stage prints once it runs, before anything of the child's: a method whose tool talks on the same
     * stream first (a password prompt in a terminal) reads up to this token, and the frames start after it.
     */
    public static final String FIRST_STAGE_READY = FirstStage.READY;
    /** The oldest Java the first stage accepts; it prints a clear error on an older one. */
    private static final int MIN_JAVA = 17;
    private static final String FIRST_STAGE = "dev/jitogen/bootstrap/FirstStage.class";
    private static volatile String firstStageBase64;

    private Bootstrap() {}

    /** The first stage's bytes: in a master from the class path, in a child from the first stage that started it. */
    private static String firstStageBase64() {
        String b = firstStageBase64;
        if (b != null) return b;
        byte[] bytes = ChildMain.firstStage();
        if (bytes == null) {
            try (InputStream in = Bootstrap.class.getClassLoader().getResourceAsStream(FIRST_STAGE)) {
                if (in == null) throw new IllegalStateException(FIRST_STAGE + " is not on the class path (jitogen-bootstrap missing)");
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return firstStageBase64 = Base64.getEncoder().encodeToString(bytes);
    }

    /** The POSIX sh script that starts the first stage; other connection methods run it on their targets. */
    public static String script(List<String> javaPath, List<String> jvmFlags, String remoteName) {
        List<String> java = new ArrayList<>(javaPath);
        java.addAll(jvmFlags);
        StringBuilder exec = new StringBuilder();
        for (String w : java) exec.append(quote(w)).append(' ');
        String j0 = quote(javaPath.get(0));
        return "d=$(mktemp -d \"${TMPDIR:-/tmp}/jitogen.XXXXXX\") || exit 1; "
                + "mkdir -p \"$d/dev/jitogen/bootstrap\" && echo " + firstStageBase64()
                + " | base64 -d > \"$d/" + FIRST_STAGE + "\" || { rm -rf \"$d\"; echo \"jitogen: cannot write the first"
                + " stage into $d (is base64 installed?)\" >&2; exit 1; }; "
                + "command -v " + j0 + " >/dev/null 2>&1 || { rm -rf \"$d\"; echo \"jitogen: java not found on the"
                + " target: \"" + j0 + "\" (set the java path)\" >&2; exit 127; }; "
                // the watcher: $$ is this shell, which exec makes java; double-forked so that java does not inherit a
                // zombie, with no terminal hang-up and none of the channel's file descriptors
                + "( (trap '' HUP; while [ -d \"$d\" ] && kill -0 $$ 2>/dev/null; do sleep 1; done; "
                + "[ -d \"$d\" ] && rm -rf \"$d\") </dev/null >/dev/null 2>&1 & ); "
                + "exec " + exec + "-cp \"$d\" dev.jitogen.bootstrap.FirstStage " + quote(remoteName) + " \"$d\" "
                + MIN_JAVA;
    }

    /**
     * Mitogen's default remote name, shown in the child's command line ({@code ps}): {@code jitogen:USER@HOST:PID}
     * of the JVM that calls it (the master), with {@code /} and {@code \} replaced by {@code _}: a Windows domain
     * user ({@code CORP\ann}) or a user name with a slash would otherwise make the name look like a path.
     */
    public static String defaultRemoteName() {
        String s = System.getProperty("user.name") + "@" + hostName() + ":" + ProcessHandle.current().pid();
        return "jitogen:" + s.replace('/', '_').replace('\\', '_');
    }

    private static volatile String hostName;

    /** This host's name, looked up once: the lookup can wait on DNS. */
    private static String hostName() {
        String h = hostName;
        if (h == null) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException | RuntimeException e) {
                h = "localhost";
            }
            hostName = h;
        }
        return h;
    }

    /** Single-quotes {@code s} for POSIX sh. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
