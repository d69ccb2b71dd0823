package dev.jitogen.plugins.become;

import dev.jitogen.plugins.command.CommandContext;
import dev.jitogen.plugins.command.CommandMethod;
import dev.jitogen.plugins.command.Prompts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A context as another user through {@code su} (Mitogen's {@code Router.su}): {@code su USER -c SCRIPT}. Linux's
 * su (util-linux) asks for the password on stderr and reads it from stdin, so no terminal is needed; for an su that
 * insists on a terminal (the BSDs), set {@link #tty(boolean)} and it runs in a pseudo-terminal when a password is
 * given. With no password, a prompt fails the connection at once with {@code PasswordError}.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect}.
 */
public final class Su extends CommandContext<Su> {
    private String username = "root";
    private String suPath = "su";
    private String password;
    private String passwordPrompt = "password:";
    private List<String> incorrectPrompts = List.of("su: sorry", "su: authentication failure", "su: incorrect password");
    private boolean tty;

    private Su() {}

    /** Become {@code username}. */
    public static Su as(String username) {
        return new Su().username(username);
    }

    public Su username(String username) {
        if (username == null || username.isBlank()) throw new IllegalArgumentException("su needs a user name");
        this.username = username;
        return this;
    }

    /** The target account's password, typed when su asks. */
    public Su password(String password) {
        this.password = password;
        return this;
    }

    /** Default {@code su} on PATH. */
    public Su suPath(String path) {
        this.suPath = path;
        return this;
    }

    /** Text that ends su's password request (case ignored); default {@code password:}. */
    public Su passwordPrompt(String prompt) {
        this.passwordPrompt = prompt;
        return this;
    }

    /** Texts that say the password was wrong (case ignored). */
    public Su incorrectPrompts(List<String> prompts) {
        this.incorrectPrompts = List.copyOf(prompts);
        return this;
    }

    /** Run su in a pseudo-terminal when a password is given, for an su that reads only from a terminal. */
    public Su tty(boolean on) {
        this.tty = on;
        return this;
    }

    @Override
    protected String method() {
        return "su";
    }

    @Override
    protected String defaultName() {
        return method() + "." + username;
    }

    @Override
    protected List<String> argv(String script) {
        return new ArrayList<>(List.of(suPath, username, "-c", script));
    }

    @Override
    protected Prompts prompts() {
        return new Prompts(password, passwordPrompt, incorrectPrompts, List.of("must be run from a terminal"), tty);
    }

    /** The {@code su} connection method for the shell: {@code /su NAME [USER] ...}. */
    public static final class Method extends CommandMethod {
        @Override
        public String name() {
            return "su";
        }

        @Override
        public String summary() {
            return "become another user on the context's host with su";
        }

        @Override
        protected List<Option> ownOptions() {
            return List.of(
                    new Option("user", null, "USER", "the user to become (default root)"),
                    PASSWORD_ENV,
                    new Option("su-path", "--su-path", "PATH", "the su program (default su on PATH)"),
                    new Option("password-prompt", "--password-prompt", "TEXT", "what su prints to ask (default password:)"),
                    new Option("tty", "--tty", null, "run su in a pseudo-terminal (for an su that reads only from one)"));
        }

        @Override
        protected CommandContext<?> build(Map<String, String> o) {
            Su s = Su.as(o.getOrDefault("user", "root")).password(password(o));
            if (o.containsKey("su-path")) s.suPath(o.get("su-path"));
            if (o.containsKey("password-prompt")) s.passwordPrompt(o.get("password-prompt"));
            if (o.containsKey("tty")) s.tty(true);
            return s;
        }
    }
}
