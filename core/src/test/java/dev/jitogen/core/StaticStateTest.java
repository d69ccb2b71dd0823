package dev.jitogen.core;

import dev.jitogen.core.fixtures.Holder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The hook the shell uses to make top-level variables visible in children, and cancellation of a remote call. */
class StaticStateTest {
    @Test
    void staticValuesSuppliedForACallAreSetInTheChildBeforeItRuns() {
        StaticState state = fn -> List.of(new StaticState.FieldValue(Holder.class.getName(), "value", "value", Holder.value));
        try (Router router = Router.builder().staticState(state).build()) {
            Context c = router.local();
            Holder.value = "first";
            assertEquals("first", c.call(() -> Holder.value));
            Holder.value = "second";
            assertEquals("second", c.call(() -> Holder.value), "the child sees the master's current value");
        }
    }

    @Test
    void aValueThatCannotBeSentIsNamedWithItsType() {
        Holder.unsendable = new Thread();
        StaticState state = fn -> List.of(new StaticState.FieldValue(Holder.class.getName(), "unsendable", "worker",
                Holder.unsendable));
        try (Router router = Router.builder().staticState(state).build()) {
            Context c = router.local();
            CallError e = assertThrows(CallError.class, () -> c.call(() -> Holder.unsendable.hashCode()));
            assertTrue(e.getMessage().contains("cannot send variable worker (java.lang.Thread)"), e.getMessage());
        } finally {
            Holder.unsendable = null;
        }
    }

    @Test
    void aCapturedValueThatCannotBeSentIsNamedWhenItsNameIsKnown() {
        StaticState state = new StaticState() {
            @Override
            public List<FieldValue> valuesFor(Object function) {
                return List.of();
            }

            @Override
            public List<String> capturedNames(Object function) {
                return java.util.Arrays.asList("greeting", "t");
            }
        };
        try (Router router = Router.builder().staticState(state).build()) {
            Context c = router.inProcess();
            String greeting = "hello ";
            Thread t = new Thread();
            CallError e = assertThrows(CallError.class, () -> c.call(() -> greeting + t.getName()));
            assertTrue(e.getMessage().contains("cannot send captured variable t (java.lang.Thread) to in-process: its"
                    + " value cannot be serialized"), e.getMessage());
        }
    }

    @Test
    void aCapturedValueWithoutAKnownNameIsNamedByPosition() {
        try (Router router = Router.create()) {
            Context c = router.inProcess();
            String greeting = "hello ";
            Thread t = new Thread();
            CallError e = assertThrows(CallError.class, () -> c.call(() -> greeting + t.getName()));
            assertTrue(e.getMessage().contains("cannot send captured value #1 (java.lang.Thread) to in-process"),
                    e.getMessage());
        }
    }

    /** Child-side flag for the queued-cancel test. */
    static final class Ran {
        static volatile boolean ran;
    }

    @Test
    void aCallCancelledWhileStillQueuedNeverRuns() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.local();
            Receiver<Integer> busy = c.callAsync(() -> {
                Thread.sleep(800);
                return 1;
            });
            Thread caller = new Thread(() -> {
                try {
                    c.call(() -> {
                        Ran.ran = true;
                        return null;
                    });
                } catch (JitogenError expected) {
                    // interrupted
                }
            });
            caller.start();
            Thread.sleep(200);
            caller.interrupt(); // its call is still queued behind the busy one
            caller.join(2000);
            assertEquals(1, busy.get(Duration.ofSeconds(5)));
            assertFalse(c.call(() -> Ran.ran), "the cancelled call was skipped");
        }
    }

    @Test
    void interruptingTheWaitingThreadInterruptsTheRemoteCall() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.local();
            var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
            Thread caller = new Thread(() -> {
                try {
                    c.call(() -> {
                        Thread.sleep(60_000);
                        return "slept";
                    });
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            caller.start();
            Thread.sleep(500);
            caller.interrupt();
            caller.join(1000);
            assertFalse(caller.isAlive(), "the caller returns at once");
            assertInstanceOf(JitogenError.class, failure.get());
            // the child's main thread was interrupted too, so the next call runs now, not in a minute
            assertEquals(1, c.callAsync(() -> 1).get(Duration.ofSeconds(5)));
        }
    }
}
