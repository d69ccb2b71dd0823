package dev.jitogen.shell;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code jitogen} launcher's entry point: with no arguments it opens the interactive shell; {@code run FILE...}
 * replays saved sessions and runs notebooks ({@code FILE.md}); {@code on} and {@code sh} run once on the hosts of an
 * inventory; {@code bench} measures this machine; {@code kernel} is the Jupyter kernel. Runs on the JVM's main thread.
 */
@Command(name = "jitogen", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Mitogen for the JVM: an interactive Java shell whose code runs in contexts (child JVMs).",
        subcommands = {Main.Run.class, Main.On.class, Main.Sh.class, Main.BenchCommand.class, KernelCommand.class})
public final class Main implements Callable<Integer> {
    /**
     * Held: java.util.logging keeps loggers weakly. MINA's INFO lines are not for the command line, and its warnings
     * about a failed connection repeat the error the connection throws.
     */
    private static final java.util.logging.Logger SSHD_LOG = java.util.logging.Logger.getLogger("org.apache.sshd");

    @CommandLine.Option(names = "-v", description = "verbose: log at debug level (FINE), the SSH library's lines "
            + "included; the same as --log-level fine", scope = CommandLine.ScopeType.INHERIT)
    void verbose(boolean on) {
        if (on) ContextOutput.level(java.util.logging.Level.FINE);
    }

    @CommandLine.Option(names = "--log-level", paramLabel = "LEVEL", description = "print log lines at LEVEL and above "
            + "(severe, warning, info, fine/debug, finer, finest/trace), the SSH library's included; contexts log "
            + "at LEVEL too. Default: Jitogen's from info, none of the SSH library's (see /log master)",
            scope = CommandLine.ScopeType.INHERIT)
    void logLevel(String level) {
        try {
            ContextOutput.level(ContextOutput.parseLevel(level));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) throws Exception {
        SSHD_LOG.setLevel(java.util.logging.Level.SEVERE);
        if (args.length == 0) { // the common case, without picocli's start-up cost
            System.exit(stdinIsTerminal() ? Interactive.run(List.of())
                    : Script.runPiped(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8),
                    List.of(), STDOUT));
        }
        System.exit(commandLine().execute(args));
    }

    /** The command line with its subcommands; a usage error prints the message and usage, and gives status 2. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("jitogen: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return 2;
        });
        return cl;
    }

    @CommandLine.Option(names = {"-i", "--inventory"}, paramLabel = "FILE", description = "Ansible inventory file "
            + "(INI or YAML) for /connect and @PATTERN; may be repeated (default: $JITOGEN_INVENTORY)")
    List<Path> inventory = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!stdinIsTerminal()) {
            return Script.runPiped(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8),
                    inventory, STDOUT);
        }
        return Interactive.run(inventory);
    }

    /**
     * Prints on standard output, whole lines at a time, from any thread. The stream is the one the process started
     * with: a shell replaces {@code System.out} while a unit runs, to record what its code prints.
     */
    static final Shell.Printer STDOUT = new Shell.Printer() {
        private final java.io.PrintStream stdout = System.out;

        @Override
        public synchronized void println(String line) {
            stdout.println(line);
        }
    };

    /**
     * Whether standard input is a terminal: with a console it is; without one (stdout redirected, say) it is if fd 0
     * is a terminal device. Piped or redirected input is read line by line instead, as jshell does.
     */
    static boolean stdinIsTerminal() {
        if (System.console() != null) return true;
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Replay saved sessions (as written by /save) without a terminal. Prints what the code "
                    + "prints, the results of /on and /sh, and errors (jshell's silent feedback). Exit status 0 if "
                    + "all succeeded, 1 at the first failure, 2 on usage errors.",
                    "A FILE.md is a notebook: its ```java and ```jshell blocks run in order (docs/notebooks.md)."})
    static final class Run implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "session files, run in order")
        List<Path> files;

        @CommandLine.Option(names = "--echo", description = "show each snippet and command after a prompt, with "
                + "jshell's normal feedback: a transcript")
        boolean echo;

        @CommandLine.Option(names = {"-i", "--inventory"}, paramLabel = "FILE", description = "Ansible inventory "
                + "file; may be repeated (default: $JITOGEN_INVENTORY)")
        List<Path> inventory = new java.util.ArrayList<>();

        @CommandLine.Option(names = "--write", description = "notebooks (FILE.md): record each block's output in "
                + "the ```output block after it, replacing the previous one")
        boolean write;

        @CommandLine.Option(names = "--check", description = "notebooks (FILE.md): print FILE.md:LINE and a unified "
                + "diff for each output that differs from the one recorded; exit status 1 if any does")
        boolean check;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (write && check) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--write and --check exclude each other: "
                        + "--write records the outputs, --check compares them with those recorded");
            }
            return Script.run(files, inventory, STDOUT, echo,
                    write ? Notebook.Mode.WRITE : check ? Notebook.Mode.CHECK : Notebook.Mode.RUN);
        }
    }

    /** The options of the one-shot commands. */
    static final class FleetOptions {
        @CommandLine.Option(names = {"-i", "--inventory"}, paramLabel = "FILE", description = "Ansible inventory "
                + "file, INI or YAML; may be repeated (default: $JITOGEN_INVENTORY)")
        List<Path> inventory = new java.util.ArrayList<>();

        @CommandLine.Option(names = "--forks", paramLabel = "N", defaultValue = "20",
                description = "at most N hosts at once (default ${DEFAULT-VALUE}, as Ansible's)")
        int forks;

        @CommandLine.Option(names = "--check-host-keys", paramLabel = "POLICY", defaultValue = "enforce",
                description = "enforce (default), accept or ignore unknown and changed host keys")
        String hostKeys;

        @CommandLine.Option(names = "--json", description = "one JSON object per host and line, instead of blocks")
        boolean json;

        /** The options, or null after saying what is wrong with them. */
        OneShot.Options parse(String pattern, String verb) {
            try {
                if (forks < 1) FleetCommands.forks(Integer.toString(forks));
                return new OneShot.Options(pattern, inventory, forks, FleetCommands.policy(hostKeys), json);
            } catch (IllegalArgumentException e) {
                System.err.println("jitogen " + verb + ": " + e.getMessage());
                return null;
            }
        }
    }

    @Command(name = "on", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Evaluate a Java expression (or run a statement) on every host PATTERN selects, as "
                    + "`ansible PATTERN -m ...` does for a module, and print one block per host (or --json lines).",
                    "Exit status 0 if every host succeeded, 1 if any failed, 2 on usage errors.",
                    "Example: jitogen on web -i hosts -- 'Runtime.getRuntime().availableProcessors()'"})
    static final class On implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATTERN", description = "Ansible host pattern: all, web, web:db, "
                + "web:!web3, web:&prod, web[0:2], web*")
        String pattern;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "EXPR", description = "the Java expression, after "
                + "--; its words are joined with spaces")
        List<String> words;

        @CommandLine.Mixin
        FleetOptions fleet;

        @Override
        public Integer call() {
            OneShot.Options o = fleet.parse(pattern, "on");
            return o == null ? 2 : OneShot.on(o, String.join(" ", words), System.out, System.err);
        }
    }

    @Command(name = "sh", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Run a command through /bin/sh -c on every host PATTERN selects, as "
                    + "`ansible PATTERN -m shell -a CMD` does, and print one block per host (or --json lines).",
                    "A non-zero exit counts as a failure. Exit status 0 if every host succeeded, 1 if any failed, "
                            + "2 on usage errors.",
                    "Example: jitogen sh web -i hosts -- uptime"})
    static final class Sh implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PATTERN", description = "Ansible host pattern: all, web, web:db, "
                + "web:!web3, web:&prod, web[0:2], web*")
        String pattern;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "the command, after --; "
                + "its words are joined with spaces and run with /bin/sh -c")
        List<String> words;

        @CommandLine.Mixin
        FleetOptions fleet;

        @Override
        public Integer call() {
            OneShot.Options o = fleet.parse(pattern, "sh");
            return o == null ? 2 : OneShot.sh(o, String.join(" ", words), System.out, System.err);
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Measure contexts on this machine: medians with min and max (docs/benchmarks.md).")
    static final class BenchCommand implements Callable<Integer> {
        @CommandLine.Option(names = "--runs", defaultValue = "15", description = "repetitions (default ${DEFAULT-VALUE})")
        int runs;

        @CommandLine.Option(names = "--json", description = "print JSON instead of a table")
        boolean json;

        @CommandLine.Option(names = "--ssh", paramLabel = "USER@HOST:PORT", description = "also measure SSH contexts to this host")
        String ssh;

        @CommandLine.Option(names = "--identity", paramLabel = "FILE", description = "private key for --ssh")
        String identity;

        @CommandLine.Option(names = "--check-host-keys", defaultValue = "enforce", description = "host key policy for --ssh")
        String hostKeys;

        @CommandLine.Option(names = "--files-only", description = "only the file copy rows (and their SSH rows with --ssh)")
        boolean filesOnly;

        @CommandLine.Option(names = "--shaped-link", paramLabel = "PORT", description = "serve the benchmark's slow "
                + "link (2 Mbit/s, 40 ms round trip) to loopback PORT until killed, printing the port to connect to; "
                + "bench/compare-mitogen runs Mitogen through it")
        Integer shapedLink;

        @Override
        public Integer call() throws Exception {
            if (shapedLink != null) {
                dev.jitogen.plugins.ssh.ShapedLink.serve(shapedLink);
                return 0;
            }
            Bench.run(new Bench.Options(runs, ssh, identity, hostKeys, json, filesOnly), System.out);
            return 0;
        }
    }

    /** This build's version, from the shell jar's manifest (Implementation-Version). */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "(unknown: not run from the jitogen-shell jar)";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"jitogen " + version() + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
