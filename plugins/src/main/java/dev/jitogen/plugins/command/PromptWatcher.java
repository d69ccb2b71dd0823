package dev.jitogen.plugins.command;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads what a privilege tool prints before the child runs and answers its password prompt: on the first prompt it
 * types the password; a second prompt, or one of the "incorrect" texts, means the password was refused; a prompt
 * with no password to give means one was needed. Either failure kills the process at once rather than let the tool
 * wait on a prompt nobody will answer.
 *
 * <p>As a filter, it passes every byte on unchanged (so the text stays in error messages) until {@link #stop}; with
 * {@link #untilToken}
 * it instead keeps bytes until a token appears, for a terminal where prompts and the child's output share a
 * stream. Threads: read by one thread (a stderr or stdout reader); {@link #failure()} may be read by any.
 */
final class PromptWatcher extends InputStream {
    private final InputStream in;
    private final OutputStream stdin;
    private final Prompts prompts;
    private final Runnable kill;
    private final StringBuilder window = new StringBuilder();
    private int prompted;
    private volatile String failure;
    /** Set once the child runs (its first output): the tool has finished talking, so nothing is matched after. */
    private volatile boolean stopped;

    PromptWatcher(InputStream in, OutputStream stdin, Prompts prompts, Runnable kill) {
        this.in = in;
        this.stdin = stdin;
        this.prompts = prompts;
        this.kill = kill;
    }

    /** Stops matching: what the child's process prints on stderr later is its own, not the tool's. Any thread. */
    void stop() {
        stopped = true;
    }

    /** Why the password failed ("needed", "refused"), or null. */
    String failure() {
        return failure;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) see((char) b);
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        for (int i = 0; i < n; i++) see((char) (buf[off + i] & 0xff));
        return n;
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /**
     * Reads until {@code token} has been seen, returning everything before it (the tool's prompts and messages);
     * the token itself is consumed. Returns null if the stream ended first.
     */
    String untilToken(String token) throws IOException {
        StringBuilder before = new StringBuilder();
        int b;
        while ((b = read()) >= 0) {
            before.append((char) b);
            if (before.length() >= token.length() && before.substring(before.length() - token.length()).equals(token)) {
                return before.substring(0, before.length() - token.length());
            }
        }
        return null;
    }

    private void see(char c) {
        if (failure != null || stopped) return;
        window.append(c);
        if (window.length() > 512) window.delete(0, window.length() - 256);
        String text = window.toString().toLowerCase(Locale.ROOT);
        for (String needed : prompts.required()) {
            if (text.endsWith(needed.toLowerCase(Locale.ROOT))) {
                fail("needed");
                return;
            }
        }
        for (String bad : prompts.incorrect()) {
            if (text.endsWith(bad.toLowerCase(Locale.ROOT))) {
                fail("refused");
                return;
            }
        }
        if (!text.stripTrailing().endsWith(prompts.prompt().toLowerCase(Locale.ROOT).stripTrailing())) return;
        window.setLength(0);
        if (prompts.password() == null) {
            fail("needed");
            return;
        }
        if (++prompted > 1) {
            fail("refused");
            return;
        }
        try {
            stdin.write((prompts.password() + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            fail("refused"); // the tool went away while asking
        }
    }

    private void fail(String why) {
        failure = why;
        kill.run();
    }
}
