package dev.jitogen.plugins;

/**
 * What this JVM's just-in-time compiler can do, for the code whose speed depends on it. The JDK runs SHA-256 and
 * AES (GCM and CTR) on the CPU's instructions only in code that C2 compiled: a JVM started C1-only
 * ({@code -XX:TieredStopAtLevel=1}, as the shell and children are, for a quick start) or interpreted hashes at
 * 50–90 MB/s and runs AES-GCM at about 15 MB/s, where MINA's chacha20-poly1305, plain Java either way, runs at about
 * 85 MB/s (C1) and 100 MB/s (C2).
 *
 * <p>Threads: any; the answer is computed once.
 */
public final class Jit {
    private static final boolean WITHOUT_C2 = withoutC2FromCommandLine();

    private Jit() {}

    /** Whether this JVM runs without C2 (C1 only, or interpreted), as its own command line says. */
    public static boolean withoutC2() {
        return WITHOUT_C2;
    }

    private static boolean withoutC2FromCommandLine() {
        return withoutC2(ProcessHandle.current().info().arguments().orElse(new String[0]));
    }

    /**
     * Whether a JVM with these arguments runs without C2: {@code -Xint}, or a {@code -XX:TieredStopAtLevel} below 4
     * that no later one overrides (the launcher's {@code -XX:TieredStopAtLevel=1} is overridden by
     * {@code JITOGEN_JAVA_OPTS=-XX:TieredStopAtLevel=4}, which comes after it, as the JVM reads them).
     */
    static boolean withoutC2(String... arguments) {
        boolean interpreted = false, c1Only = false;
        for (String a : arguments) {
            if (a.equals("-Xint")) interpreted = true;
            else if (a.equals("-Xmixed")) interpreted = false;
            else if (a.startsWith("-XX:TieredStopAtLevel=")) c1Only = !a.endsWith("=4");
        }
        return interpreted || c1Only;
    }
}
