package dev.jitogen.shell;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * What the shell runs in a context for its own commands: {@code /sh}'s command through {@code /bin/sh -c} (stdout
 * and stderr collected), and what {@code /contexts} shows. Sent to contexts as a class of its own that refers to JDK
 * classes only, so a context fetches nothing else to run it.
 *
 * <p>Threads: runs on the context's main thread; an interrupt (Ctrl-C in the shell) kills the command and what it
 * started.
 */
public final class RemoteCommand {
    /** Keeps each stream's output to this many bytes; the rest is counted, not kept. */
    static final int MAX_OUTPUT = 16 << 20;

    private RemoteCommand() {}

    /** Runs {@code command}; returns its stdout, its stderr and its exit status (as text), in that order. */
    public static String[] run(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String[] text = new String[2];
        Thread out = reader(p.getInputStream(), text, 0), err = reader(p.getErrorStream(), text, 1);
        try {
            int status = p.waitFor(); // interruptible, unlike the reads
            out.join();
            err.join();
            return new String[]{text[0], text[1], Integer.toString(status)};
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e;
        }
    }

    /** What {@code /contexts} shows of a context: host name, user, JVM version, pid. */
    public static String[] facts() throws IOException {
        return new String[]{java.net.InetAddress.getLocalHost().getHostName(), System.getProperty("user.name"),
                System.getProperty("java.version"), Long.toString(ProcessHandle.current().pid())};
    }

    private static Thread reader(InputStream in, String[] into, int index) {
        Thread t = new Thread(() -> into[index] = drain(in), "jitogen-sh-" + (index == 0 ? "stdout" : "stderr"));
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String drain(InputStream in) {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        long dropped = 0;
        byte[] buf = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                int keep = Math.min(n, MAX_OUTPUT - kept.size());
                kept.write(buf, 0, keep);
                dropped += n - keep;
            }
        } catch (IOException e) {
            // the process is gone: keep what was read
        }
        String text = kept.toString(StandardCharsets.UTF_8);
        return dropped == 0 ? text : text + "\n... (" + dropped + " more bytes not kept)";
    }
}
