package dev.jitogen.shell;

import dev.jitogen.core.RemoteCallable;

/**
 * Fifty small classes that call each other, for the benchmark's first-call row: a lambda defined here touches all
 * of them, so a fresh context needs every one before the first call can answer. Any thread.
 */
final class BenchClasses {
    static final int EXPECTED = 50;

    private BenchClasses() {}

    /** A lambda whose body reaches all fifty classes; returns 50. */
    static RemoteCallable<Integer> touchingFifty() {
        return () -> new C00().depth();
    }

    static final class C00 { int depth() { return 1 + new C01().depth(); } }
    static final class C01 { int depth() { return 1 + new C02().depth(); } }
    static final class C02 { int depth() { return 1 + new C03().depth(); } }
    static final class C03 { int depth() { return 1 + new C04().depth(); } }
    static final class C04 { int depth() { return 1 + new C05().depth(); } }
    static final class C05 { int depth() { return 1 + new C06().depth(); } }
    static final class C06 { int depth() { return 1 + new C07().depth(); } }
    static final class C07 { int depth() { return 1 + new C08().depth(); } }
    static final class C08 { int depth() { return 1 + new C09().depth(); } }
    static final class C09 { int depth() { return 1 + new C10().depth(); } }
    static final class C10 { int depth() { return 1 + new C11().depth(); } }
    static final class C11 { int depth() { return 1 + new C12().depth(); } }
    static final class C12 { int depth() { return 1 + new C13().depth(); } }
    static final class C13 { int depth() { return 1 + new C14().depth(); } }
    static final class C14 { int depth() { return 1 + new C15().depth(); } }
    static final class C15 { int depth() { return 1 + new C16().depth(); } }
    static final class C16 { int depth() { return 1 + new C17().depth(); } }
    static final class C17 { int depth() { return 1 + new C18().depth(); } }
    static final class C18 { int depth() { return 1 + new C19().depth(); } }
    static final class C19 { int depth() { return 1 + new C20().depth(); } }
    static final class C20 { int depth() { return 1 + new C21().depth(); } }
    static final class C21 { int depth() { return 1 + new C22().depth(); } }
    static final class C22 { int depth() { return 1 + new C23().depth(); } }
    static final class C23 { int depth() { return 1 + new C24().depth(); } }
    static final class C24 { int depth() { return 1 + new C25().depth(); } }
    static final class C25 { int depth() { return 1 + new C26().depth(); } }
    static final class C26 { int depth() { return 1 + new C27().depth(); } }
    static final class C27 { int depth() { return 1 + new C28().depth(); } }
    static final class C28 { int depth() { return 1 + new C29().depth(); } }
    static final class C29 { int depth() { return 1 + new C30().depth(); } }
    static final class C30 { int depth() { return 1 + new C31().depth(); } }
    static final class C31 { int depth() { return 1 + new C32().depth(); } }
    static final class C32 { int depth() { return 1 + new C33().depth(); } }
    static final class C33 { int depth() { return 1 + new C34().depth(); } }
    static final class C34 { int depth() { return 1 + new C35().depth(); } }
    static final class C35 { int depth() { return 1 + new C36().depth(); } }
    static final class C36 { int depth() { return 1 + new C37().depth(); } }
    static final class C37 { int depth() { return 1 + new C38().depth(); } }
    static final class C38 { int depth() { return 1 + new C39().depth(); } }
    static final class C39 { int depth() { return 1 + new C40().depth(); } }
    static final class C40 { int depth() { return 1 + new C41().depth(); } }
    static final class C41 { int depth() { return 1 + new C42().depth(); } }
    static final class C42 { int depth() { return 1 + new C43().depth(); } }
    static final class C43 { int depth() { return 1 + new C44().depth(); } }
    static final class C44 { int depth() { return 1 + new C45().depth(); } }
    static final class C45 { int depth() { return 1 + new C46().depth(); } }
    static final class C46 { int depth() { return 1 + new C47().depth(); } }
    static final class C47 { int depth() { return 1 + new C48().depth(); } }
    static final class C48 { int depth() { return 1 + new C49().depth(); } }
    static final class C49 { int depth() { return 1; } }
}
