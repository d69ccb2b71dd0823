package dev.jitogen.plugins.ssh;

/** Thirty project classes, each calling the next: a call whose code touches 30 classes the child lacks. */
final class Chain30 {
    private Chain30() {}

    static final class C0 {
        static int v() {
            return C1.v() + 1;
        }
    }

    static final class C1 {
        static int v() {
            return C2.v() + 1;
        }
    }

    static final class C2 {
        static int v() {
            return C3.v() + 1;
        }
    }

    static final class C3 {
        static int v() {
            return C4.v() + 1;
        }
    }

    static final class C4 {
        static int v() {
            return C5.v() + 1;
        }
    }

    static final class C5 {
        static int v() {
            return C6.v() + 1;
        }
    }

    static final class C6 {
        static int v() {
            return C7.v() + 1;
        }
    }

    static final class C7 {
        static int v() {
            return C8.v() + 1;
        }
    }

    static final class C8 {
        static int v() {
            return C9.v() + 1;
        }
    }

    static final class C9 {
        static int v() {
            return C10.v() + 1;
        }
    }

    static final class C10 {
        static int v() {
            return C11.v() + 1;
        }
    }

    static final class C11 {
        static int v() {
            return C12.v() + 1;
        }
    }

    static final class C12 {
        static int v() {
            return C13.v() + 1;
        }
    }

    static final class C13 {
        static int v() {
            return C14.v() + 1;
        }
    }

    static final class C14 {
        static int v() {
            return C15.v() + 1;
        }
    }

    static final class C15 {
        static int v() {
            return C16.v() + 1;
        }
    }

    static final class C16 {
        static int v() {
            return C17.v() + 1;
        }
    }

    static final class C17 {
        static int v() {
            return C18.v() + 1;
        }
    }

    static final class C18 {
        static int v() {
            return C19.v() + 1;
        }
    }

    static final class C19 {
        static int v() {
            return C20.v() + 1;
        }
    }

    static final class C20 {
        static int v() {
            return C21.v() + 1;
        }
    }

    static final class C21 {
        static int v() {
            return C22.v() + 1;
        }
    }

    static final class C22 {
        static int v() {
            return C23.v() + 1;
        }
    }

    static final class C23 {
        static int v() {
            return C24.v() + 1;
        }
    }

    static final class C24 {
        static int v() {
            return C25.v() + 1;
        }
    }

    static final class C25 {
        static int v() {
            return C26.v() + 1;
        }
    }

    static final class C26 {
        static int v() {
            return C27.v() + 1;
        }
    }

    static final class C27 {
        static int v() {
            return C28.v() + 1;
        }
    }

    static final class C28 {
        static int v() {
            return C29.v() + 1;
        }
    }

    static final class C29 {
        static int v() {
            return 1;
        }
    }

}
