package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.io.Output;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The codec alone, both ways in one JVM: what a parent writes is read back through the child-data allow-list, and
 * the bytes never name a JDK implementation class. The round trips through real contexts are in ValueTypesTest.
 */
class JdkValuesTest {
    private final Codec trusting = new Codec(getClass().getClassLoader(), null);
    private final Codec fromChild = new Codec(getClass().getClassLoader(), new DataAllowList(n -> false, List.of()));

    private Object throughAllowList(Object value) {
        byte[] bytes = trusting.encode(0, value);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String internal : List.of("sun.", "jdk.", "$Node", "$Unmodifiable", "$KeySet", "$Values", "Immutable",
                "$SubList", "$Entry", "KeyValueHolder")) {
            assertFalse(text.contains(internal), () -> value.getClass().getName() + " wrote " + internal + ": " + text);
        }
        return fromChild.decode(bytes);
    }

    @Test
    void aPathTravelsAsPathNotAsTheFileSystemsOwnClass() {
        Path p = Path.of("/etc/hosts");
        assertNotEquals(Path.class, p.getClass());
        assertEquals(p, throughAllowList(p));
    }

    @Test
    void mapEntriesOfEveryKindArriveAsImmutableEntries() {
        Map<String, Integer> hash = new HashMap<>(Map.of("a", 1));
        TreeMap<String, Integer> tree = new TreeMap<>(Map.of("b", 2));
        for (Map.Entry<String, Integer> e : List.of(hash.entrySet().iterator().next(),
                tree.entrySet().iterator().next(), tree.firstEntry(), Map.entry("c", 3))) {
            Object back = throughAllowList(e);
            assertEquals(e, back);
            assertEquals(AbstractMap.SimpleImmutableEntry.class, back.getClass());
        }
    }

    @Test
    void viewsAndWrappersArriveAsPlainCopies() {
        Map<String, Integer> hash = new HashMap<>(Map.of("a", 1, "b", 2));
        TreeMap<String, Integer> tree = new TreeMap<>(Map.of("a", 1, "b", 2, "c", 3));
        assertEquals(LinkedHashSet.class, throughAllowList(hash.keySet()).getClass());
        assertEquals(new ArrayList<>(hash.values()), throughAllowList(hash.values()));
        assertEquals(hash.entrySet(), throughAllowList(hash.entrySet()));
        assertEquals(TreeMap.class, throughAllowList(tree.headMap("c")).getClass());
        assertEquals(TreeSet.class, throughAllowList(tree.navigableKeySet()).getClass());
        Object descending = throughAllowList(tree.descendingMap());
        assertEquals(TreeMap.class, descending.getClass(), "reversed natural order travels with it");
        assertEquals(List.of("c", "b", "a"), new ArrayList<>(((Map<?, ?>) descending).keySet()));
        assertEquals(ArrayList.class, throughAllowList(new ArrayList<>(List.of(1, 2, 3)).subList(0, 2)).getClass());
        assertEquals(LinkedHashMap.class,
                throughAllowList(Stream.of(1, 2, 3).collect(Collectors.partitioningBy(i -> i > 1))).getClass());
    }

    @Test
    void unmodifiableCollectionsStayUnmodifiableAndMayHoldNulls() {
        List<?> list = (List<?>) throughAllowList(Stream.of("a", null).toList());
        assertEquals(Arrays.asList("a", null), list);
        assertThrows(UnsupportedOperationException.class, () -> list.remove(0));
        Set<?> set = (Set<?>) throughAllowList(Set.of(1, 2));
        assertEquals(Set.of(1, 2), set);
        assertThrows(UnsupportedOperationException.class, set::clear);
        Map<?, ?> map = (Map<?, ?>) throughAllowList(Collections.unmodifiableMap(new HashMap<>(Map.of(1, 2))));
        assertEquals(Map.of(1, 2), map);
        assertThrows(UnsupportedOperationException.class, map::clear);
    }

    @Test
    void collectionsKryoCannotRebuildArriveAsCopiesInsteadOfBroken() {
        EnumMap<DayOfWeek, Integer> days = new EnumMap<>(Map.of(DayOfWeek.TUESDAY, 2, DayOfWeek.MONDAY, 1));
        Object back = throughAllowList(days);
        assertEquals(days, back);
        assertEquals(EnumMap.class, back.getClass(), "an EnumMap stays one");
        assertEquals(List.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY), new ArrayList<>(((Map<?, ?>) back).keySet()));
        assertEquals(List.of(1, 2), throughAllowList(new ArrayBlockingQueue<>(2, false, List.of(1, 2))));
    }

    @Test
    void sortedCollectionsKeepTheJdksOwnOrdersAndTheirKind() {
        TreeMap<String, Integer> tree = new TreeMap<>(Map.of("b", 1, "a", 2, "c", 3));
        for (Map<String, Integer> m : List.<Map<String, Integer>>of(tree.descendingMap(), tree.headMap("c"),
                newTree(java.util.Comparator.reverseOrder()), newTree(String.CASE_INSENSITIVE_ORDER),
                newTree(java.util.Collections.reverseOrder(String.CASE_INSENSITIVE_ORDER)),
                java.util.Collections.unmodifiableNavigableMap(tree.descendingMap()))) {
            Object back = throughAllowList(m);
            assertTrue(back instanceof java.util.NavigableMap<?, ?>, back.getClass().getName());
            assertEquals(new ArrayList<>(m.keySet()), new ArrayList<>(((Map<?, ?>) back).keySet()));
            assertEquals(m, back);
        }
        TreeSet<String> words = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        words.addAll(List.of("b", "A", "c"));
        for (Set<String> set : List.<Set<String>>of(words, words.descendingSet(), new TreeSet<>(words).headSet("c"))) {
            Object back = throughAllowList(set);
            assertTrue(back instanceof java.util.NavigableSet<?>, back.getClass().getName());
            assertEquals(new ArrayList<>(set), new ArrayList<>((Set<?>) back));
            assertTrue(((Set<?>) back).contains(set.iterator().next().toUpperCase()) || !set.contains("A"),
                    "the order itself travels: a case-insensitive set finds either case");
        }
        Exception refused = assertThrows(RuntimeException.class,
                () -> trusting.encode(0, new TreeMap<String, Integer>(java.util.Comparator.comparing(String::length))));
        assertTrue(String.valueOf(refused.getMessage()).contains("reverseOrder()"), refused.getMessage());
    }

    private static TreeMap<String, Integer> newTree(java.util.Comparator<String> order) {
        TreeMap<String, Integer> t = new TreeMap<>(order);
        t.putAll(Map.of("b", 1, "A", 2, "c", 3));
        return t;
    }

    @Test
    void mutableEntriesStayMutableAndFileTimesArrive() {
        Object entry = throughAllowList(new AbstractMap.SimpleEntry<>("k", 1));
        assertEquals(AbstractMap.SimpleEntry.class, entry.getClass());
        var time = java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2026-11-28T12:34:56.123456789Z"));
        assertEquals(time, throughAllowList(time));
    }

    @Test
    void summaryStatisticsTravelAsTheirFourNumbers() {
        var ints = java.util.stream.IntStream.of(4, 8, 15, 16, 23, 42).summaryStatistics();
        assertEquals(ints.toString(), throughAllowList(ints).toString());
        var longs = java.util.stream.LongStream.of(-4, 8).summaryStatistics();
        assertEquals(longs.toString(), throughAllowList(longs).toString());
        var doubles = java.util.stream.DoubleStream.of(1.5, 2.25).summaryStatistics();
        assertEquals(doubles.toString(), throughAllowList(doubles).toString());
        assertEquals(new java.util.IntSummaryStatistics().toString(), throughAllowList(new java.util.IntSummaryStatistics()).toString());
    }

    @Test
    void arraysOfJdkValueTypesPassTheAllowListByTheirElementName() throws Exception {
        Path[] paths = {Path.of("/a"), Path.of("b")};
        assertArrayEquals(paths, (Object[]) throughAllowList(paths));
        InetAddress[] ips = {InetAddress.getByAddress(new byte[]{10, 0, 0, 1}), InetAddress.getByName("::1")};
        assertArrayEquals(ips, (Object[]) throughAllowList(ips));
        java.io.File[] files = {new java.io.File("/tmp")};
        assertArrayEquals(files, (Object[]) throughAllowList(files));
    }

    @Test
    void aThreadIsNotSentAndTheRefusalNamesItAndWhy() {
        NotSendableException e = assertThrows(NotSendableException.class,
                () -> trusting.encode(0, Thread.currentThread()));
        assertEquals("java.lang.Thread", e.className());
        assertTrue(e.getMessage().contains("java.lang.Thread cannot be sent"), e.getMessage());
        NotSendableException s = assertThrows(NotSendableException.class,
                () -> trusting.encode(0, List.of(Stream.of(1))));
        assertTrue(s.getMessage().contains(".toList()"), s.getMessage());
    }

    @Test
    void theAllowListStillRefusesNonValueJdkClassesByName() {
        for (String name : List.of("java.lang.Thread", "java.io.FileInputStream", "java.lang.ProcessBuilder",
                "sun.nio.fs.UnixPath", "java.util.HashMap$Node", "[Ljava.lang.Thread;")) {
            RefusedClassException e = assertThrows(RefusedClassException.class, () -> fromChild.decode(naming(name)));
            assertEquals(name, e.className());
            assertTrue(e.getMessage().contains("Router.builder().acceptData("), e.getMessage());
        }
    }

    /** Data as a child could forge it: a value of the class {@code name}, written by name. */
    static byte[] naming(String name) {
        Output out = new Output(64);
        out.writeByte(0); // tag
        out.writeVarInt(1, true); // a class by name (DefaultClassResolver.NAME + 2)
        out.writeVarInt(0, true); // its name id in this graph
        out.writeString(name);
        out.writeByte(1); // not null
        return out.toBytes();
    }

    @Test
    void hashMapsAndSetsIterateInTheSameOrderOnArrival() {
        for (int size : new int[]{2, 3, 12, 13, 100}) {
            Map<String, Integer> map = new HashMap<>();
            Set<String> set = new java.util.HashSet<>();
            for (int i = 0; i < size; i++) {
                map.put("key" + i * 7919, i);
                set.add("item" + i * 104729);
            }
            map.put("one", 3); // Collectors.toMap's everyday shape: a few words, which a smaller table reorders
            map.put("two", 3);
            map.put("three", 5);
            assertEquals(new ArrayList<>(map.keySet()), new ArrayList<>(((Map<?, ?>) throughAllowList(map)).keySet()));
            assertEquals(new ArrayList<>(set), new ArrayList<>((Set<?>) throughAllowList(set)));
            assertEquals(map.toString(), throughAllowList(map).toString());
        }
    }
}
