package dev.jitogen.core;

import com.esotericsoftware.kryo.io.Output;
import dev.jitogen.core.fixtures.DiskProbe;
import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.serial.RefusedClassException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A child JVM whose code lies about its result: it writes a hand-made reply frame onto its own stream, to a handle
 * the master waits on, as a compromised child would. Each reply is refused for that one wait, quickly and without
 * taking the master's memory or CPU, and the child and the router keep working.
 */
class HostileReplyTest {
    /** Named only as a string: no class of the tests refers to it, so no call of theirs reaches it. */
    private static final String GADGET = "dev.jitogen.core.fixtures.Gadget";
    private static Router router;
    private static Context child;

    @BeforeAll
    static void start() {
        router = Router.create();
        child = router.local();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    /** The child sends {@code payload} as a value to a handle the master waits on; returns that wait's receiver. */
    private static Receiver<Object> reply(byte[] payload, boolean askForGadgetFirst) {
        Receiver<Object> r = Receiver.create(router);
        int handle = r.handle(), me = child.id();
        child.call(() -> {
            if (askForGadgetFirst) Class.forName(GADGET); // GET_CLASS: the master serves it to this child
            RawFrames.write(0, me, me, handle, 0, payload);
            return null;
        });
        return r;
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static String elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000 + " ms";
    }

    @Test
    void nestedSetsThatWouldHashForeverAreRefused() {
        // SerialDOS: two sets per level, each holding both sets of the level below; ~1.3 KB, but hashing the
        // outermost set visits 2^100 sets
        Set<Object> root = dev.jitogen.core.fixtures.NestedSets.of(100, () -> "x");
        byte[] payload = router.encodeWithKryo(Receiver.VALUE, root);
        assertTrue(payload.length < 4096, payload.length + " bytes");
        Receiver<Object> r = reply(payload, false);
        long start = System.nanoTime();
        CallError e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(CallError.class, () -> r.get(Duration.ofSeconds(30))));
        System.out.println("nested sets refused in " + elapsed(start) + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("maxDataElements"), e.getMessage());
        assertEquals(3, child.call(() -> 3));
    }

    @Test
    void theCallersDeadlineAppliesToDecoding() {
        // 200,000 distinct lists with one hash code: a HashSet of them takes minutes to fill, though the data is
        // small and within every count limit. Written as a list, then relabelled as a set.
        List<List<Integer>> lists = new ArrayList<>();
        for (int k = 1; k <= 200_000; k++) lists.add(new ArrayList<>(List.of(k, -31 * k))); // 961 + 31k - 31k
        byte[] payload = router.encodeWithKryo(Receiver.VALUE, lists);
        byte arrayList = router.encodeWithKryo(Receiver.VALUE, new ArrayList<>())[1];
        byte hashSet = router.encodeWithKryo(Receiver.VALUE, new HashSet<>())[1];
        assertEquals(arrayList, payload[1]);
        payload[1] = hashSet;
        Receiver<Object> r = reply(payload, false);
        long start = System.nanoTime();
        TimeoutError e = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> assertThrows(TimeoutError.class, () -> r.get(Duration.ofSeconds(2))));
        System.out.println("colliding set abandoned at its deadline after " + elapsed(start) + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("decod"), e.getMessage());
        assertEquals(4, child.call(() -> 4));
    }

    @Test
    void aLongArrayClaimingTwoBillionElementsIsRefusedBeforeAnythingIsAllocated() {
        assertLengthBombRefused(new long[0], Integer.MAX_VALUE - 1); // 16 GiB: more than the heap
    }

    @Test
    void aByteArrayClaimingTwoGigabytesIsRefusedBeforeAnythingIsAllocated() {
        assertLengthBombRefused(new byte[0], Integer.MAX_VALUE - 64); // 2 GiB: allocated, then found short
    }

    /** The 8-byte reply: an empty array of that type whose length now says {@code declared}. */
    private static void assertLengthBombRefused(Object emptyArray, int declared) {
        byte[] empty = router.encodeWithKryo(Receiver.VALUE, emptyArray);
        assertEquals(1, empty[empty.length - 1], "the length (+1) comes last");
        Output out = new Output(16);
        out.writeBytes(empty, 0, empty.length - 1);
        out.writeVarInt(declared + 1, true);
        byte[] payload = out.toBytes();
        assertTrue(payload.length <= 8, payload.length + " bytes");
        Receiver<Object> r = reply(payload, false);
        long before = allocatedBytes(), start = System.nanoTime();
        CallError e = assertThrows(CallError.class, () -> r.get(Duration.ofSeconds(30)));
        long allocated = allocatedBytes() - before;
        System.out.println(emptyArray.getClass().getSimpleName() + " bomb refused in " + elapsed(start) + ", "
                + allocated / 1024 + " KiB allocated: " + e.getMessage());
        assertTrue(allocated < 16 << 20, allocated + " bytes allocated");
        assertTrue(e.getMessage().contains(Integer.toString(declared)), e.getMessage());
        assertEquals(5, child.call(() -> 5));
    }

    @Test
    void aClassTheChildAskedForIsNotAcceptedAsData() throws Exception {
        AtomicInteger constructed = counter("CONSTRUCTED");
        Object gadget = Class.forName(GADGET).getConstructor().newInstance();
        byte[] payload = router.encodeWithKryo(Receiver.VALUE, gadget);
        int before = constructed.get();
        Receiver<Object> r = reply(payload, true);
        CallError e = assertThrows(CallError.class, () -> r.get(Duration.ofSeconds(30)));
        assertEquals(RefusedClassException.class.getName(), e.remoteClassName());
        assertTrue(e.getMessage().contains(GADGET), e.getMessage());
        assertTrue(e.getMessage().contains("Router.builder().acceptData(\"dev.jitogen.core.fixtures\")"), e.getMessage());
        assertEquals(before, constructed.get(), "the gadget's constructor never ran in the master");
    }

    @Test
    void aComparatorTheChildAskedForNeverRunsInTheMaster() throws Exception {
        AtomicInteger compared = counter("COMPARED");
        @SuppressWarnings("unchecked")
        Comparator<Object> order = (Comparator<Object>) Class.forName(GADGET).getConstructor().newInstance();
        PriorityQueue<Object> queue = new PriorityQueue<>(order);
        queue.addAll(Arrays.asList("b", "a", "c"));
        byte[] payload = router.encodeWithKryo(Receiver.VALUE, queue);
        int before = compared.get();
        Receiver<Object> r = reply(payload, true);
        CallError e = assertThrows(CallError.class, () -> r.get(Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains(GADGET), e.getMessage());
        assertEquals(before, compared.get(), "the gadget's compare() never ran in the master");
    }

    @Test
    void aRecordMadeByAMethodTheCallReachesStillComesBack() {
        // this class names DiskProbe, whose probe() returns Object; only DiskProbe's own class file names Disk
        Object disk = child.call(() -> DiskProbe.probe("/"));
        assertEquals("Disk", disk.getClass().getSimpleName());
        assertTrue(disk.toString().contains("mount=/"), disk.toString());
    }

    @Test
    void aContextDoesNotTakeCodeFromItsOwnChild() {
        // a context with a child of its own decodes that child's data as the master does: a lambda (code) from
        // below is refused there too, where it used to be decoded as trusted as the parent's calls
        Context middle = router.local(LocalOptions.builder().name("middle").build());
        Context below = router.local(LocalOptions.builder().name("below").via(middle).build());
        int belowId = below.id();
        byte[] code = router.encodeWithKryo(Receiver.VALUE, (RemoteCallable<String>) () -> "code from below");
        String outcome = middle.call(() -> {
            Router here = Router.current();
            try (Receiver<Object> r = Receiver.create(here)) {
                int handle = r.handle(), middleId = here.myId();
                here.contextById(belowId).call(() -> {
                    RawFrames.write(middleId, belowId, belowId, handle, 0, code);
                    return null;
                });
                Object got = r.get(Duration.ofSeconds(30));
                return "accepted: " + (got instanceof RemoteCallable<?> c ? c.call() : got);
            } catch (CallError e) {
                return "refused: " + e.getMessage();
            }
        });
        assertTrue(outcome.startsWith("refused: ") && outcome.contains("lambda"), outcome);
        assertEquals("fine", below.call(() -> "fine"));
    }

    private static AtomicInteger counter(String name) throws ReflectiveOperationException {
        return (AtomicInteger) Class.forName(GADGET).getField(name).get(null);
    }
}
