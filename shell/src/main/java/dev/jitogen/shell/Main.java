package dev.jitogen.shell;

import java.util.Arrays;

/**
 * The {@code jitogen} launcher's entry point: {@code ./jitogen bench ...} runs the benchmark; with no arguments it
 * will open the interactive shell, which arrives with its own issue — until then it says so and exits cleanly.
 * Runs on the JVM's main thread.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("bench")) {
            Bench.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        System.out.println("Jitogen: the interactive shell is not built yet.");
        System.out.println("Use the library (docs/getting-started.md), or run `./jitogen bench` to measure this machine.");
    }
}
