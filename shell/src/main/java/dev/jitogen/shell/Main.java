package dev.jitogen.shell;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The {@code jitogen} launcher's entry point: with no arguments it opens the interactive shell; {@code run FILE...}
 * replays saved sessions; {@code bench} measures this machine. Runs on the JVM's main thread.
 */
@Command(name = "jitogen", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Mitogen for the JVM: an interactive Java shell whose code runs in contexts (child JVMs).",
        subcommands = {Main.Run.class, Main.BenchCommand.class})
public final class Main implements Callable<Integer> {
    /** Held: java.util.logging keeps loggers weakly. MINA's INFO lines are not for the command line. */
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
        SSHD_LOG.setLevel(java.util.logging.Level.WARNING);
        if (args.length == 0) { // the common case, without picocli's start-up cost
            System.exit(stdinIsTerminal() ? Interactive.run()
                    : Script.runPiped(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8), STDOUT));
        }
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("jitogen: " + e.getMessage());
            e.getCommandLine().usage(e.getCommandLine().getErr());
            return 2;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        return stdinIsTerminal() ? Interactive.run()
                : Script.runPiped(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8), STDOUT);
    }

    /** Prints on standard output, whole lines at a time, from any thread. */
    static final Shell.Printer STDOUT = new Shell.Printer() {
        @Override
        public synchronized void println(String line) {
            System.out.println(line);
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
            description = "Replay saved sessions (as written by /save) without a terminal. Prints what the code "
                    + "prints, the results of /on and /sh, and errors (jshell's silent feedback). Exit status 0 if "
                    + "all succeeded, 1 at the first failure, 2 on usage errors.")
    static final class Run implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "session files, run in order")
        List<Path> files;

        @CommandLine.Option(names = "--echo", description = "show each snippet and command after a prompt, with "
                + "jshell's normal feedback: a transcript")
        boolean echo;

        @Override
        public Integer call() {
            return Script.run(files, STDOUT, echo);
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

        @Override
        public Integer call() {
            Bench.run(new Bench.Options(runs, ssh, identity, hostKeys, json), System.out);
            return 0;
        }
    }

    /** This build's version. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"jitogen " + version() + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
