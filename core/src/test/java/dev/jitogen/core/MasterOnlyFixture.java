package dev.jitogen.core;

import dev.jitogen.core.classload.ClassServer;

/**
 * A deliberate reach into the master layer from a class that is not the facade, for {@code LayersTest} only: the
 * master-only rule must report it; the real rules never see it (they import main classes only).
 */
final class MasterOnlyFixture {
    private MasterOnlyFixture() {}

    static Object reachMaster(ClassServer server) {
        return server.counts();
    }
}
