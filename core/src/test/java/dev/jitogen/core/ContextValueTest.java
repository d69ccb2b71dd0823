package dev.jitogen.core;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A Context travels as a value: it keeps its id and name, and resolves to the receiving side's own Context. */
class ContextValueTest {
    static Router router;
    static Context box, other, inner;

    @BeforeAll
    static void start() {
        router = Router.create();
        box = router.local(LocalOptions.builder().name("box").build());
        other = router.local(LocalOptions.builder().name("other").build());
        inner = router.local(LocalOptions.builder().name("inner").via(box).build());
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    @Test
    void aContextArrivesAsACallArgumentWithItsIdAndName() {
        assertEquals(other.id() + " " + other.name(), box.call(c -> c.id() + " " + c.name(), other));
    }

    @Test
    void aCapturedContextArrivesWithItsIdAndName() {
        Context captured = other;
        assertEquals(List.of(other.id(), other.name()), box.call(() -> List.of(captured.id(), captured.name())));
    }

    @Test
    void aContextSentBackToTheMasterIsTheMastersOwnObject() {
        assertSame(other, box.call(c -> c, other));
        assertSame(box, box.call(() -> Router.current().myself()), "a context's myself() is its master-side Context");
        assertSame(inner, box.call(() -> Router.current().contextById(Router.current().contexts().get(0).id())),
                "a context started via box, returned by box");
    }

    @Test
    void aContextThatTravelledToAParentCanBeCalledThere() {
        assertEquals(inner.id(), (int) box.call(c -> c.call(() -> Router.current().myId()), inner));
    }

    @Test
    void aContextThatTravelledToASiblingAddressesItButCallsAreRefusedAsFromOutsideItsParentChain() {
        String refusal = box.call(c -> {
            try {
                c.call(() -> 1);
                return "called";
            } catch (ChannelError e) {
                return e.getMessage();
            }
        }, other);
        assertTrue(refusal.contains("refuses calls from context " + box.id()) && refusal.contains("parent chain"),
                refusal);
    }
}
