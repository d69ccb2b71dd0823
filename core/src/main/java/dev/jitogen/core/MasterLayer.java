package dev.jitogen.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds the master layer of a master's router (Mitogen's {@code master.Router} additions): the class service, log
 * printing and the id counter. Exists so that the facade never names a master-layer class where the JVM's verifier
 * would load it: assigning a {@link MasterIdAllocator} to an {@link IdAllocator} field makes the verifier load both
 * classes when it checks the method, so that assignment happens here, in a class a child never loads, and the master
 * layer stays out of a child's boot bundle (see {@code CoreBundle}).
 *
 * <p>Immutable once built; any thread.
 */
final class MasterLayer {
    final ClassService classes;
    final LogPrinter logs;
    final IdAllocator ids;

    MasterLayer(Router router, SentClasses sent, ClassLoader loader, ClassPolicy policy, AtomicInteger nextContextId) {
        this.classes = new ClassService(router, sent, loader, policy);
        this.logs = new LogPrinter(router);
        this.ids = new MasterIdAllocator(router, nextContextId);
    }
}
