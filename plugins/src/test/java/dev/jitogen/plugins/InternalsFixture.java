package dev.jitogen.plugins;

import dev.jitogen.core.stream.MemoryPipe;

/**
 * A deliberate reach into core's internals, for {@code CoreSurfaceTest} only: its rule must report it; the real
 * rule never sees it (it imports main classes only).
 */
final class InternalsFixture {
    private InternalsFixture() {}

    static Object reachIn() {
        return new MemoryPipe();
    }
}
