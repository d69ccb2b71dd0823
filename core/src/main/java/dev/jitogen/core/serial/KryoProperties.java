package dev.jitogen.core.serial;

/**
 * The system properties Jitogen sets for Kryo in every JVM it runs in, master and children, so that users never have
 * to. This class names no Kryo type: it must run before any Kryo class initialises.
 *
 * <p>Threads: any thread; idempotent.
 */
public final class KryoProperties {
    private KryoProperties() {}

    /**
     * Makes Kryo use plain Java instead of {@code sun.misc.Unsafe}, unless the user chose otherwise with
     * {@code -Dkryo.unsafe}: on Java 24 and newer, Kryo's first use of Unsafe's memory methods prints four
     * "terminally deprecated" warnings on stderr (JEP 498) at every start. Kryo reads the property once, when its
     * {@code Util} class initialises, so this is called from the static initialisers of {@link Codec} and of the
     * router, and first thing in a child's main.
     */
    public static void apply() {
        if (System.getProperty("kryo.unsafe") == null) System.setProperty("kryo.unsafe", "false");
    }
}
