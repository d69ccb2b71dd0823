package dev.jitogen.plugins.service;

import java.util.concurrent.atomic.AtomicInteger;

/** A service for the tests: counts its activations and how many of its calls run at once. */
public final class EchoService {
    static final AtomicInteger ACTIVATIONS = new AtomicInteger();
    static final AtomicInteger RUNNING = new AtomicInteger(), MOST_RUNNING = new AtomicInteger();

    public EchoService() {
        ACTIVATIONS.incrementAndGet();
        try {
            Thread.sleep(200); // a slow activation: concurrent first calls must still make one instance
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Expose(policy = Expose.Policy.ANY)
    public String echo(Caller caller, String text) {
        return text + " from " + caller.contextId() + (caller.privileged() ? " (privileged)" : "");
    }

    @Expose(policy = Expose.Policy.ANY)
    public int activations() {
        return ACTIVATIONS.get();
    }

    @Expose(policy = Expose.Policy.PARENTS)
    public String secret() {
        return "the secret";
    }

    @Expose(policy = Expose.Policy.ANY)
    public int hold(long millis) throws InterruptedException {
        MOST_RUNNING.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
        Thread.sleep(millis);
        RUNNING.decrementAndGet();
        return MOST_RUNNING.get();
    }

    public String notExposed() {
        return "never";
    }
}
