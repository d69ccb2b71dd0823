package dev.jitogen.core;

import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.stream.Stream;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;


/**
 * The master's layer over the routing core (Mitogen's {@code master.Router} additions): the class service, log
 * printing and the id counter, built here and registered on their handles. Only the facade's master constructor
 * names this class, and through the {@link Layer} interface or fields of their own exact types, so that the JVM's
 * verifier, checking the facade in a child, has no reason to load any of it: the master layer stays out of a child's
 * boot bundle (see {@code CoreBundle}). Assigning a {@link MasterIdAllocator} to an {@link IdAllocator} is done here
 * for the same reason: the verifier loads both classes to check that assignment.
 *
 * <p>Threads: immutable once built; the services say their own rules.
 */
final class MasterLayer implements Layer {
    final ClassService classes;
    final LogPrinter logs;
    final IdAllocator ids;
    private final SentClasses sent;

    MasterLayer(Router router, SentClasses sent, ClassLoader loader, ClassPolicy policy) {
        this.sent = sent;
        this.classes = new ClassService(router, sent, loader, policy);
        this.logs = new LogPrinter(router);
        this.ids = new MasterIdAllocator(router);
    }

    /** Registers the master's services on their standard handles. */
    void install(Router router) {
        router.addHandler(Handles.GET_CLASS, classes::onGetClass, -1, true);
        router.addHandler(Handles.FORWARD_LOG, logs::onForwardLog, -1, true);
    }

    /** See {@link Router#classFinder()}. */
    ClassFinder finder() {
        return classes.server().finder();
    }

    @Override
    public boolean isMaster() {
        return true;
    }

    @Override
    public String selfMethod() {
        return "master";
    }

    @Override
    public Stats stats() {
        return Stats.of(classes.server().counts());
    }

    @Override
    public void routeAdded(int id, boolean direct) {
        // a direct child is tracked as it attaches; one further down from its ADD_ROUTE on
        if (!direct) sent.track(id);
    }

    @Override
    public void streamEnded(Stream stream) {
        classes.forget(stream);
    }

    @Override
    public void pushClass(int id, String className) {
        classes.push(id, className);
    }

    @Override
    public long logMark() {
        return logs.logMark();
    }

    @Override
    public void awaitLogs(long mark, long maxNanos) {
        logs.awaitLogs(mark, maxNanos);
    }

    @Override
    public boolean trusts(Message m) {
        return false; // every other context sends data, never trusted code
    }

    @Override
    public byte[] callClassFile(String name) {
        return classes.server().ownCode(name);
    }
}
