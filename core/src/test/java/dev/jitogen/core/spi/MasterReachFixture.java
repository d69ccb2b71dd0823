package dev.jitogen.core.spi;

import dev.jitogen.core.ClassPolicy;

/**
 * A deliberate reach from the spi into the master layer, for {@code LayersTest} only: the spi rule must report it;
 * the real rules never see it (they import main classes only).
 */
final class MasterReachFixture {
    private MasterReachFixture() {}

    static Object reachMaster(ClassPolicy policy) {
        return policy.toString();
    }
}
