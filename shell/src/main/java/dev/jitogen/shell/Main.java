package dev.jitogen.shell;

/**
 * The {@code jitogen} launcher's entry point. The interactive shell arrives with its own issue; until then this
 * says so and exits cleanly, so the launcher and its build-on-first-use already work.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("Jitogen " + Main.class.getPackage().getImplementationVersion());
        System.out.println("The interactive shell is not built yet. Use the library: see docs/getting-started.md.");
    }
}
