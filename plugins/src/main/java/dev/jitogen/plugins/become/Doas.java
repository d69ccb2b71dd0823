package dev.jitogen.plugins.become;

import dev.jitogen.plugins.command.CommandContext;
import dev.jitogen.plugins.command.CommandMethod;
import dev.jitogen.plugins.command.Prompts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A context as another user through {@code doas} (Mitogen's {@code Router.doas}). doas reads passwords only from a
 * terminal, so with a password it runs in a pseudo-terminal (util-linux {@code script}), switched to raw mode before
 * the child starts; without one it runs with {@code -n} and fails at once with {@code PasswordError} if the policy
 * asks for a password.
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect}.
 */
public final class Doas extends CommandContext<Doas> {
    private String username = "root";
    private String doasPath = "doas";
    private String password;
    private String passwordPrompt = "password:";
    private List<String> incorrectPrompts = List.of("doas: authentication failed");

    private Doas() {}

    public static Doas as(String username) {
        return new Doas().username(username);
    }

    public Doas username(String username) {
        if (username == null || username.isBlank()) throw new IllegalArgumentException("doas needs a user name");
        this.username = username;
        return this;
    }

    public Doas password(String password) {
        this.password = password;
        return this;
    }

    /** Default {@code doas} on PATH. */
    public Doas doasPath(String path) {
        this.doasPath = path;
        return this;
    }

    /** Text that ends doas's password request (case ignored); default {@code password:}. */
    public Doas passwordPrompt(String prompt) {
        this.passwordPrompt = prompt;
        return this;
    }

    /** Texts that say the password was wrong (case ignored); default {@code doas: authentication failed}. */
    public Doas incorrectPrompts(List<String> prompts) {
        this.incorrectPrompts = List.copyOf(prompts);
        return this;
    }

    @Override
    protected String method() {
        return "doas";
    }

    @Override
    protected String defaultName() {
        return method() + "." + username;
    }

    @Override
    protected List<String> argv(String script) {
        List<String> argv = new ArrayList<>(List.of(doasPath));
        if (password == null) argv.add("-n");
        argv.addAll(List.of("-u", username, "--"));
        return withShell(argv, script);
    }

    @Override
    protected Prompts prompts() {
        return new Prompts(password, passwordPrompt, incorrectPrompts,
                List.of("doas: authorization required", "a tty is required"), true);
    }

    /** The {@code doas} connection method for the shell: {@code /doas NAME [USER] ...}. */
    public static final class Method extends CommandMethod {
        @Override
        public String name() {
            return "doas";
        }

        @Override
        public String summary() {
            return "become another user on the context's host with doas";
        }

        @Override
        protected List<Option> ownOptions() {
            return List.of(
                    new Option("user", null, "USER", "the user to become (default root)"),
                    PASSWORD_ENV,
                    new Option("doas-path", "--doas-path", "PATH", "the doas program (default doas on PATH)"),
                    new Option("password-prompt", "--password-prompt", "TEXT", "what doas prints to ask (default password:)"));
        }

        @Override
        protected CommandContext<?> build(Map<String, String> o) {
            Doas d = Doas.as(o.getOrDefault("user", "root")).password(password(o));
            if (o.containsKey("doas-path")) d.doasPath(o.get("doas-path"));
            if (o.containsKey("password-prompt")) d.passwordPrompt(o.get("password-prompt"));
            return d;
        }
    }
}
