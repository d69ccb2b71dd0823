package dev.jitogen.plugins.become;

import dev.jitogen.core.StreamError;
import dev.jitogen.plugins.command.CommandContext;
import dev.jitogen.plugins.command.CommandMethod;
import dev.jitogen.plugins.command.Prompts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A context as another user through {@code sudo} (Mitogen's {@code Router.sudo}). The password, if sudo asks, is
 * typed on sudo's stdin ({@code sudo -S}, with a prompt of our own so it cannot be mistaken); without a password
 * sudo runs with {@code -n} and fails at once if it needs one. No terminal is needed unless the sudoers policy says
 * {@code requiretty}.
 *
 * <pre>{@code
 * Context root = Sudo.as("root").connect(router);
 * Context app = Sudo.as("webapp").password(System.getenv("SUDO_PASSWORD")).setHome(true).via(web1).connect(router);
 * }</pre>
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect}.
 */
public final class Sudo extends CommandContext<Sudo> {
    static final String PROMPT = "[jitogen-sudo] password:";

    private String username = "root";
    private String sudoPath = "sudo";
    private String password;
    private boolean setHome;
    private boolean preserveEnv;
    private String selinuxType;
    private String selinuxRole;

    private Sudo() {}

    /** Become {@code username} (sudo's {@code -u}). */
    public static Sudo as(String username) {
        return new Sudo().username(username);
    }

    public Sudo username(String username) {
        if (username == null || username.isBlank()) throw new IllegalArgumentException("sudo needs a user name");
        this.username = username;
        return this;
    }

    /** The sudo program, a name looked up on PATH or a full path; default {@code sudo}. */
    public Sudo sudoPath(String path) {
        this.sudoPath = path;
        return this;
    }

    /** Typed when sudo asks: usually the password of the user running sudo, per the sudoers policy. */
    public Sudo password(String password) {
        this.password = password;
        return this;
    }

    /** sudo's {@code -H}: set HOME to the target user's home. */
    public Sudo setHome(boolean on) {
        this.setHome = on;
        return this;
    }

    /** sudo's {@code -E}: keep this process's environment. */
    public Sudo preserveEnv(boolean on) {
        this.preserveEnv = on;
        return this;
    }

    /** sudo's {@code -t}: the SELinux type. */
    public Sudo selinuxType(String type) {
        this.selinuxType = type;
        return this;
    }

    /** sudo's {@code -r}: the SELinux role. */
    public Sudo selinuxRole(String role) {
        this.selinuxRole = role;
        return this;
    }

    /**
     * Options written as for the sudo command line ({@code -u USER}, {@code -H}, {@code -E}, {@code -t TYPE},
     * {@code -r ROLE}, and their long forms), parsed into the options above so the context behaves as they say.
     * Anything else raises {@link StreamError} naming the option.
     */
    public Sudo sudoArgs(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value = a.contains("=") ? a.substring(a.indexOf('=') + 1) : null;
            String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            switch (flag) {
                case "-u", "--user" -> username(value != null ? value : arg(args, ++i, a));
                case "-H", "--set-home" -> setHome(true);
                case "-E", "--preserve-env" -> preserveEnv(true);
                case "-t", "--type" -> selinuxType(value != null ? value : arg(args, ++i, a));
                case "-r", "--role" -> selinuxRole(value != null ? value : arg(args, ++i, a));
                case "-n", "--non-interactive", "-S", "--stdin" -> { } // how we run it anyway
                default -> throw new StreamError("unsupported sudo option " + a + " in sudoArgs: Jitogen understands "
                        + "-u/--user, -H/--set-home, -E/--preserve-env, -t/--type, -r/--role");
            }
        }
        return this;
    }

    private static String arg(List<String> args, int i, String flag) {
        if (i >= args.size()) throw new StreamError("sudo option " + flag + " needs a value");
        return args.get(i);
    }

    @Override
    protected String method() {
        return "sudo";
    }

    @Override
    protected String defaultName() {
        return method() + "." + username;
    }

    @Override
    protected List<String> argv(String script) {
        List<String> argv = new ArrayList<>(List.of(sudoPath, "-u", username));
        if (setHome) argv.add("-H");
        if (preserveEnv) argv.add("-E");
        if (selinuxType != null) argv.addAll(List.of("-t", selinuxType));
        if (selinuxRole != null) argv.addAll(List.of("-r", selinuxRole));
        argv.addAll(password != null ? List.of("-S", "-p", PROMPT) : List.of("-n"));
        argv.add("--");
        return withShell(argv, script);
    }

    @Override
    protected Prompts prompts() {
        return new Prompts(password, PROMPT, List.of("sorry, try again."),
                List.of("a password is required", "a terminal is required"), false);
    }

    /** The {@code sudo} connection method for the shell: {@code /sudo NAME [USER] ...}. */
    public static final class Method extends CommandMethod {
        @Override
        public String name() {
            return "sudo";
        }

        @Override
        public String summary() {
            return "become another user on the context's host with sudo";
        }

        @Override
        protected List<Option> ownOptions() {
            return List.of(
                    new Option("user", null, "USER", "the user to become (default root)"),
                    PASSWORD_ENV,
                    new Option("sudo-path", "--sudo-path", "PATH", "the sudo program (default sudo on PATH)"),
                    new Option("set-home", "--set-home", null, "set HOME to the user's home (sudo -H)"),
                    new Option("preserve-env", "--preserve-env", null, "keep the environment (sudo -E)"),
                    new Option("selinux-type", "--selinux-type", "TYPE", "SELinux type (sudo -t)"),
                    new Option("sudo-args", "--sudo-args", "ARGS", "sudo options, space-separated, as on sudo's command line"));
        }

        @Override
        protected CommandContext<?> build(Map<String, String> o) {
            Sudo s = Sudo.as(o.getOrDefault("user", "root")).password(password(o));
            if (o.containsKey("sudo-path")) s.sudoPath(o.get("sudo-path"));
            if (o.containsKey("set-home")) s.setHome(true);
            if (o.containsKey("preserve-env")) s.preserveEnv(true);
            if (o.containsKey("selinux-type")) s.selinuxType(o.get("selinux-type"));
            if (o.containsKey("sudo-args")) s.sudoArgs(List.of(o.get("sudo-args").trim().split("\\s+")));
            return s;
        }
    }
}
