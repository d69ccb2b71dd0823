package dev.jitogen.core;

import dev.jitogen.core.classload.CallClasses;
import dev.jitogen.core.serial.Codec;
import dev.jitogen.core.serial.DataAllowList;

import java.util.List;

/**
 * A router's serialization policy (core layer): one codec that encodes everything this context sends and decodes
 * what its parent chain sends (trusted), and one that decodes data from every other context (children, siblings)
 * through the data allow-list, bounded by the limits children inherit. The classes this context sent for its own
 * calls ({@link CallClasses}) are what the allow-list accepts beyond the JDK's values and the named packages.
 *
 * <p>Threads: any; codecs pool their Kryo instances, and {@link CallClasses} is thread-safe.
 */
final class Codecs {
    /** Jitogen's own types in data, registered by id on both sides (so always allowed, and small). */
    private static final Class<?>[] CODEC_CLASSES = {CallSpec.class, RemoteFailure.class, Sender.class, Stats.class};
    /**
     * Registered after those, by name: a context travels only in Kryo's form, and a child loads {@link Context} (not a
     * boot class: it comes with Kryo's family) only when its code or its data needs one, not to answer plain calls.
     */
    private static final String[] KRYO_ONLY = {"dev.jitogen.core.Context"};

    final Codec.Limits limits;
    /** Packages accepted in data besides the JDK's and the calls' own classes ({@link Router.Builder#acceptData}). */
    final List<String> packages;
    /** Whose {@code callClassFile} says what {@link #callClasses} may follow. */
    private final Layer layer;
    /** Built on first use: a child that makes no call of its own and receives only plain data never needs it. */
    private volatile CallClasses callClasses;
    private final Codec send;
    private final Codec data;

    /** @param layer its {@link Layer#callClassFile} gives the class file of a class this context may have sent for a call */
    Codecs(ClassLoader loader, int maxMessageSize, Codec.Limits limits, List<String> packages, Layer layer) {
        this.limits = limits;
        this.packages = List.copyOf(packages);
        this.layer = layer;
        this.send = new Codec(loader, null, limits, maxMessageSize, KRYO_ONLY, CODEC_CLASSES);
        this.data = new Codec(loader, new LazyAllowList(this), limits, maxMessageSize, KRYO_ONLY, CODEC_CLASSES);
    }

    private CallClasses callClasses() {
        CallClasses c = callClasses;
        if (c != null) return c;
        synchronized (this) {
            if (callClasses == null) callClasses = new CallClasses(layer::callClassFile);
            return callClasses;
        }
    }

    /**
     * The data allow-list, built when a class name first needs its answer. Only Kryo's side of a codec asks (plain
     * values name no classes), so a child whose data stays plain never loads the allow-list, and it is not among its
     * boot classes. Threads: any; two first askers may both build it, to the same rules.
     */
    private static final class LazyAllowList implements Codec.ClassFilter {
        private final Codecs codecs;
        private volatile Codec.ClassFilter rules;

        LazyAllowList(Codecs codecs) {
            this.codecs = codecs;
        }

        @Override
        public String refusal(String className) {
            Codec.ClassFilter r = rules;
            if (r == null) rules = r = new DataAllowList(codecs.callClasses()::contains, codecs.packages);
            return r.refusal(className);
        }
    }

    /** The codec for what this context sends, and for what its parent chain sends it. */
    Codec send() {
        return send;
    }

    /** The codec for data from any other context. */
    Codec data() {
        return data;
    }

    /** See {@link Router#sentForCall}. */
    void sentForCall(String functionClass) {
        callClasses().sent(functionClass);
    }

    /**
     * Warms what a master's first calls need, off the caller's path: the compact form of calls, and Kryo, for the
     * first value that is not plain ({@code List.of} is not), with the lambda machinery.
     */
    void warmForMaster() {
        RemoteCallable<Object> lambda = () -> null;
        send.encode(Receiver.VALUE, CallSpec.of(lambda));
        data.decode(send.encode(Receiver.VALUE, new Object[]{List.of(1)}));
    }
}
