package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.io.Output;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the codec that reads data from a child does with data built to exhaust it: every declared length is checked
 * against the bytes left before anything is allocated, nesting and elements are bounded (elements counted as hashing
 * visits them, hashing included), and a deadline or an interrupt stops decoding. Legitimate data just under the
 * limits still decodes. The real-JVM versions of these attacks are in {@code HostileReplyTest}.
 */
class DataLimitsTest {
    private static final ClassLoader LOADER = DataLimitsTest.class.getClassLoader();
    /** Writes as a child would: Kryo's own serializers, no checks. */
    private final Codec writer = new Codec(LOADER, null);

    /** Reads as a parent does, with {@code limits}; {@link Leaf} is the only class of ours it accepts. */
    private static Codec reader(Codec.Limits limits) {
        return new Codec(LOADER, new DataAllowList(n -> n.equals(Leaf.class.getName()), List.of()), limits, -1);
    }

    private final Codec fromChild = reader(Codec.Limits.DEFAULT);

    /** A leaf that counts how often it is hashed: hashing a structure visits each of its leaves once per path. */
    public static final class Leaf {
        static final AtomicLong HASHED = new AtomicLong();

        @Override
        public int hashCode() {
            HASHED.incrementAndGet();
            return 7;
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** The encoding of {@code empty} without its last {@code drop} bytes, followed by what {@code tail} writes. */
    private byte[] forged(Object empty, int drop, Consumer<Output> tail) {
        byte[] bytes = writer.encodeWithKryo(0, empty);
        Output out = new Output(64, -1);
        out.writeBytes(bytes, 0, bytes.length - drop);
        tail.accept(out);
        return out.toBytes();
    }

    private static final int HUGE = Integer.MAX_VALUE - 16;

    @TestFactory
    Stream<DynamicTest> aHugeDeclaredLengthIsRefusedBeforeAnythingIsAllocated() {
        Consumer<Output> arrayLength = out -> out.writeVarInt(HUGE + 1, true); // arrays write length + 1
        Consumer<Output> utf8Length = out -> out.writeVarIntFlag(true, HUGE + 1, true); // UTF-8 flag, chars + 1
        Consumer<Output> nulls = out -> { // a collection of nulls: its size, a null header, a null element class
            out.writeVarIntFlag(true, HUGE + 1, true);
            out.writeByte(0);
        };
        List<Object[]> cases = List.of(
                new Object[]{"byte[]", forged(new byte[0], 1, arrayLength)},
                new Object[]{"short[]", forged(new short[0], 1, arrayLength)},
                new Object[]{"char[]", forged(new char[0], 1, arrayLength)},
                new Object[]{"int[]", forged(new int[0], 1, arrayLength)},
                new Object[]{"long[]", forged(new long[0], 1, arrayLength)},
                new Object[]{"float[]", forged(new float[0], 1, arrayLength)},
                new Object[]{"double[]", forged(new double[0], 1, arrayLength)},
                new Object[]{"boolean[]", forged(new boolean[0], 1, arrayLength)},
                new Object[]{"Object[]", forged(new Object[0], 1, arrayLength)},
                new Object[]{"String[]", forged(new String[0], 1, arrayLength)},
                new Object[]{"Integer[]", forged(new Integer[0], 1, arrayLength)},
                new Object[]{"String", forged("", 1, utf8Length)},
                new Object[]{"StringBuilder", forged(new StringBuilder(), 1, utf8Length)},
                new Object[]{"BigInteger", forged(BigInteger.ZERO, 2, arrayLength)},
                new Object[]{"BitSet", forged(new BitSet(), 1, out -> out.writeVarInt(HUGE, true))},
                new Object[]{"ArrayList of nulls", forged(new ArrayList<>(), 1, nulls)},
                new Object[]{"HashSet of nulls", forged(new HashSet<>(), 1, nulls)},
                new Object[]{"HashMap", forged(new HashMap<>(), 1, out -> out.writeVarInt(HUGE + 1, true))},
                new Object[]{"LinkedHashMap", forged(new LinkedHashMap<>(), 1, out -> out.writeVarInt(HUGE + 1, true))},
                new Object[]{"PriorityQueue of nulls", forged(new PriorityQueue<>(), 2, out -> {
                    out.writeVarIntFlag(true, HUGE + 1, true);
                    out.writeByte(0); // no comparator
                    out.writeByte(0);
                })},
                new Object[]{"List.of()", forged(List.of(), 1, out -> out.writeVarInt(HUGE, true))},
                new Object[]{"Set.of()", forged(Set.of(), 1, out -> out.writeVarInt(HUGE, true))},
                new Object[]{"a class name", namedClass(HUGE)});
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c[0], () -> {
            byte[] data = (byte[]) c[1];
            assertTrue(data.length < 200, data.length + " bytes");
            long before = allocatedBytes();
            DataLimitException e = assertThrows(DataLimitException.class, () -> fromChild.decode(data));
            long allocated = allocatedBytes() - before;
            assertTrue(allocated < 4 << 20, c[0] + ": " + allocated + " bytes allocated");
            assertTrue(e.getMessage().contains(Integer.toString(HUGE)) || e.getMessage().contains("elements"),
                    e.getMessage());
        }));
    }

    /** A class named by a string that claims {@code chars} characters. */
    private static byte[] namedClass(int chars) {
        Output out = new Output(16);
        out.writeByte(0);
        out.writeVarInt(1, true); // a class by name
        out.writeVarInt(0, true); // its name id
        out.writeVarIntFlag(true, chars + 1, true);
        return out.toBytes();
    }

    @Test
    void genuineDataDecodesUnderTheLimits() {
        List<Object> value = new ArrayList<>();
        for (int i = 0; i < 90; i++) value.add("s" + i);
        value.add(new HashMap<>(java.util.Map.of("k", List.of(1, 2, 3))));
        Codec small = reader(new Codec.Limits(8, 200));
        assertEquals(value, small.decode(writer.encodeWithKryo(0, value)));
        // the same list 3 times over: 300 elements as hashing visits them, though only one copy travels
        List<Object> thrice = List.of(value, value, value);
        DataLimitException e = assertThrows(DataLimitException.class, () -> small.decode(writer.encodeWithKryo(0, thrice)));
        assertTrue(e.getMessage().contains("more than 200 elements") && e.getMessage().contains("maxDataElements"),
                e.getMessage());
        assertEquals(thrice, reader(new Codec.Limits(8, 400)).decode(writer.encodeWithKryo(0, thrice)));
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        Object nested = "core";
        for (int i = 0; i < 20; i++) nested = new ArrayList<>(List.of(nested));
        byte[] data = writer.encodeWithKryo(0, nested);
        assertEquals(nested, reader(new Codec.Limits(21, 1000)).decode(data));
        DataLimitException e = assertThrows(DataLimitException.class,
                () -> reader(new Codec.Limits(20, 1000)).decode(data));
        assertTrue(e.getMessage().contains("deeper than 20 levels") && e.getMessage().contains("maxDataDepth"),
                e.getMessage());
    }

    private static Set<Object> nestedSets(int levels) {
        return dev.jitogen.core.fixtures.NestedSets.of(levels, Leaf::new);
    }

    @Test
    void nestedSetsAreRefusedAfterNoMoreHashingThanTheElementLimit() {
        byte[] data = writer.encodeWithKryo(0, nestedSets(100));
        Leaf.HASHED.set(0);
        DataLimitException e = assertThrows(DataLimitException.class,
                () -> reader(new Codec.Limits(512, 1_000_000)).decode(data));
        assertTrue(e.getMessage().contains("maxDataElements"), e.getMessage());
        assertTrue(Leaf.HASHED.get() <= 1_000_000, Leaf.HASHED.get() + " leaves hashed");
    }

    @Test
    void setsWithinSetsOverASharedStructureAreRefusedAfterNoMoreHashingThanTheElementLimit() {
        // each level holds the level below and one more reference to a structure of weight ~8,000: its weight grows
        // by 8,000 a level, but hashing every level re-hashes all the levels below: depth × weight in all
        Set<Object> shared = nestedSets(12);
        List<Set<Object>> levels = new ArrayList<>();
        for (int i = 0; i <= 400; i++) levels.add(new HashSet<>());
        // each set goes into the one above while still empty, so building this costs nothing like decoding it
        for (int i = 400; i > 0; i--) levels.get(i).add(levels.get(i - 1));
        for (int i = 1; i <= 400; i++) levels.get(i).add(List.of(shared, i));
        byte[] data = writer.encodeWithKryo(0, levels.get(400));
        assertTrue(data.length < 16 << 10, data.length + " bytes");
        Leaf.HASHED.set(0);
        assertThrows(DataLimitException.class, () -> reader(new Codec.Limits(512, 1_000_000)).decode(data));
        assertTrue(Leaf.HASHED.get() <= 1_000_000, Leaf.HASHED.get() + " leaves hashed");
    }

    @Test
    void aSetElementThatHoldsTheSetIsRefusedNotAStackOverflow() {
        // s = {a, b}, a = [s], b = [a]: adding b to s hashes b, a, s, a, s... Built as a list, then relabelled a set
        List<Object> s = new ArrayList<>(), a = new ArrayList<>(), b = new ArrayList<>();
        a.add(s);
        b.add(a);
        s.add(a);
        s.add(b);
        byte[] data = writer.encodeWithKryo(0, s);
        data[1] = writer.encodeWithKryo(0, new HashSet<>())[1];
        DataLimitException e = assertThrows(DataLimitException.class, () -> fromChild.decode(data));
        assertTrue(e.getMessage().contains("holds itself"), e.getMessage());
        assertEquals(List.of("still decodes"), fromChild.decode(writer.encodeWithKryo(0, List.of("still decodes"))));
    }

    @Test
    void dataTooDeepForTheDecodingThreadsStackIsRefusedNotAStackOverflow() throws Exception {
        Object nested = "core";
        for (int i = 0; i < 500; i++) nested = new ArrayList<>(List.of(nested));
        byte[] data = writer.encodeWithKryo(0, nested);
        Throwable[] thrown = new Throwable[1];
        Thread small = new Thread(null, () -> {
            try {
                fromChild.decode(data);
            } catch (Throwable t) {
                thrown[0] = t;
            }
        }, "small-stack", 64 << 10);
        small.start();
        small.join();
        assertInstanceOf(DataLimitException.class, thrown[0]);
        assertTrue(thrown[0].getMessage().contains("stack"), thrown[0].getMessage());
        assertEquals(nested, fromChild.decode(data), "with the stack it needs, it decodes");
    }

    @Test
    void aCycleBehindAHashedElementIsRefusedBeforeItIsHashedDeeperAndDeeper() {
        // s = {big, a, b} in that order, a = [s], b = [a], big = nested sets of weight ~8,000 (s relabelled from a
        // list): adding b to s hashes b, a, s and so big, then a, s, big... once per stack frame until it overflows
        List<Object> s = new ArrayList<>(), a = new ArrayList<>(), b = new ArrayList<>();
        s.add(nestedSets(12));
        a.add(s);
        b.add(a);
        s.add(a);
        s.add(b);
        byte[] data = writer.encodeWithKryo(0, s);
        data[1] = writer.encodeWithKryo(0, new java.util.LinkedHashSet<>())[1];
        Leaf.HASHED.set(0);
        DataLimitException e = assertThrows(DataLimitException.class, () -> fromChild.decode(data));
        assertTrue(e.getMessage().contains("itself"), e.getMessage());
        assertTrue(Leaf.HASHED.get() <= 100_000, Leaf.HASHED.get() + " leaves hashed");
    }

    @Test
    void aCycleNotHashedWhileDecodingStillDecodes() {
        List<Object> list = new ArrayList<>();
        list.add("first");
        list.add(list); // a list that holds itself: legal, as long as nothing hashes it
        Map<String, Object> map = new HashMap<>();
        map.put("self", map); // a map value (not a key) that is the map
        Object decoded = fromChild.decode(writer.encodeWithKryo(0, List.of(list, map)));
        List<?> back = (List<?>) ((List<?>) decoded).get(0);
        assertSame(back, back.get(1));
        Map<?, ?> m = (Map<?, ?>) ((List<?>) decoded).get(1);
        assertSame(m, m.get("self"));
    }

    @Test
    void aCyclicListHashedLaterInTheSameMessageIsRefused() {
        // l = [big, m], m = [l]: a cycle without a set; then a set that holds l must hash it, forever
        List<Object> l = new ArrayList<>(), m = new ArrayList<>();
        l.add(nestedSets(10));
        l.add(m);
        m.add(l);
        Set<Object> set = new HashSet<>();
        List<Object> late = new ArrayList<>();
        set.add(late);
        late.add(l); // a set holding a list holding l, built empty-first: here nothing hashes l
        byte[] data = writer.encodeWithKryo(0, List.of(l, set));
        Leaf.HASHED.set(0);
        DataLimitException e = assertThrows(DataLimitException.class, () -> fromChild.decode(data));
        assertTrue(e.getMessage().contains("itself"), e.getMessage());
        assertTrue(Leaf.HASHED.get() <= 100_000, Leaf.HASHED.get() + " leaves hashed");
    }

    /** 30,000 distinct lists with one hash code, relabelled as a HashSet: filling it takes minutes. */
    private byte[] collidingSet() {
        List<List<Integer>> lists = new ArrayList<>();
        for (int k = 1; k <= 30_000; k++) lists.add(new ArrayList<>(List.of(k, -31 * k)));
        byte[] data = writer.encodeWithKryo(0, lists);
        data[1] = writer.encodeWithKryo(0, new HashSet<>())[1];
        return data;
    }

    @Test
    void decodingStopsAtTheDeadline() {
        byte[] data = collidingSet();
        long start = System.nanoTime();
        DataLimitException e = assertThrows(DataLimitException.class,
                () -> fromChild.decode(data, true, start + 300_000_000L));
        assertTrue(e.deadlinePassed(), e.getMessage());
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "stopped long after its deadline");
    }

    @Test
    void decodingStopsWhenItsThreadIsInterrupted() {
        byte[] data = collidingSet();
        Thread.currentThread().interrupt();
        try {
            DataLimitException e = assertThrows(DataLimitException.class, () -> fromChild.decode(data));
            assertTrue(e.byInterrupt(), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left for the caller");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void trustedDataHasNoElementLimit() {
        List<Integer> big = new ArrayList<>();
        for (int i = 0; i < 300; i++) big.add(i);
        assertEquals(big, new Codec(LOADER, null, new Codec.Limits(2, 10), -1).decode(writer.encodeWithKryo(0, big)));
    }
}
