package dev.jitogen.shell;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jitogen kernel --connection-file FILE} runs the Jupyter kernel (Jupyter starts it so);
 * {@code jitogen kernel install [--user | --prefix DIR]} writes its kernelspec. Runs on the JVM's main thread.
 */
@Command(name = "kernel", mixinStandardHelpOptions = true, subcommands = KernelCommand.Install.class,
        description = {"A Jupyter kernel whose cells are Java and shell commands, run as at the jitogen prompt.",
                "Install it with `jitogen kernel install`; Jupyter then starts it with --connection-file."})
final class KernelCommand implements Callable<Integer> {
    @Option(names = {"-f", "--connection-file"}, paramLabel = "FILE",
            description = "Jupyter's connection file (ports and key), as Jupyter passes it")
    Path connectionFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (connectionFile == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the kernel needs --connection-file FILE, "
                    + "which Jupyter passes: install the kernelspec with `jitogen kernel install`, then choose "
                    + "\"Java (Jitogen)\" in Jupyter");
        }
        return Kernel.run(connectionFile);
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = {"Write the kernelspec `jitogen` where `jupyter kernelspec install` would: the system's "
                    + "/usr/local/share/jupyter/kernels, the user's with --user, DIR/share/jupyter/kernels with "
                    + "--prefix DIR."})
    static final class Install implements Callable<Integer> {
        @Option(names = "--user", description = "install for this user (~/.local/share/jupyter/kernels)")
        boolean user;

        @Option(names = "--prefix", paramLabel = "DIR", description = "install under DIR/share/jupyter/kernels "
                + "(for a virtualenv or conda environment: its sys.prefix)")
        Path prefix;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (user && prefix != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--user and --prefix DIR exclude each "
                        + "other: give one of them, or neither for the system's directory");
            }
            Path dir = KernelSpec.kernelsDir(user, prefix, System.getenv());
            try {
                Path spec = KernelSpec.install(dir, KernelSpec.argv(System.getenv()));
                System.out.println("Installed kernelspec " + KernelSpec.NAME + " in " + spec);
                return 0;
            } catch (IOException e) {
                System.err.println("jitogen kernel install: cannot write " + dir.resolve(KernelSpec.NAME) + ": " + e
                        + (user || prefix != null ? "" : "; try --user, or --prefix DIR"));
                return 1;
            }
        }
    }
}
