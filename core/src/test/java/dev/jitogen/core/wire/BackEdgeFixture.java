package dev.jitogen.core.wire;

import dev.jitogen.core.Router;

/**
 * A deliberate back-edge, for {@code LayersTest} only: the wire layer reaching up to the router. The layering rule
 * must report it; the real rules never see it (they import main classes only).
 */
final class BackEdgeFixture {
    private BackEdgeFixture() {}

    static Router reachUp() {
        return Router.create();
    }
}
