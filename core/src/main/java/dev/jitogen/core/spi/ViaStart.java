package dev.jitogen.core.spi;

import dev.jitogen.core.Context;
import dev.jitogen.core.Router;

import java.io.Serializable;
import java.time.Duration;

/**
 * What a context given as {@code via} runs to start its child, given to
 * {@link Router#startVia(Context, String, String, String, Duration, ViaStart)}: usually the connection method's own
 * {@code connect} with via cleared. It travels to via as a call, so it must capture only data (the method's
 * options), and runs there on via's main thread.
 */
@FunctionalInterface
public interface ViaStart extends Serializable {
    /** Starts the context {@code name} from {@code router} (via's) and returns it. */
    Context start(Router router, String name);
}
