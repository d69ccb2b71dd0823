package dev.jitogen.core.serial;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The compact form that spares a child Kryo: plain values come back equal (a {@code HashMap} in the same order,
 * every {@code char} of a string), whatever is not plain still travels (through Kryo), and data from a child in the
 * compact form meets the same refusals as in Kryo's: no code, lengths checked before allocating, depth and elements
 * bounded.
 */
class PlainCodecTest {
    private static final ClassLoader LOADER = PlainCodecTest.class.getClassLoader();
    private final Codec trusting = new Codec(LOADER, null);
    private final Codec fromChild = new Codec(LOADER, new DataAllowList(n -> false, List.of()), new Codec.Limits(8, 100), -1);

    private static boolean compact(byte[] data) {
        return (data[0] & PlainCodec.FLAG) != 0;
    }

    @Test
    void plainValuesTravelInTheCompactFormAndComeBackEqual() {
        Map<Object, Object> map = new HashMap<>();
        for (int i = 0; i < 50; i++) map.put("k" + i * 7919, i % 2 == 0 ? (Object) (long) i : List.of());
        map.replaceAll((k, v) -> v instanceof List ? new ArrayList<>(List.of(1.5, 2.5f, (short) 3, (byte) 4, 'c')) : v);
        Map<Object, Object> linked = new LinkedHashMap<>(Map.of(3, "three"));
        linked.put(null, true);
        String odd = "é\0\ud800 ascii \u20ac";
        List<Object> value = new ArrayList<>(Arrays.asList(null, Integer.MIN_VALUE, Long.MAX_VALUE, odd,
                new byte[]{1, 2, 3}, map, linked, false));
        byte[] data = trusting.encode(0, value);
        assertTrue(compact(data));
        @SuppressWarnings("unchecked")
        List<Object> back = (List<Object>) new Codec(LOADER, new DataAllowList(n -> false, List.of())).decode(data);
        assertArrayEquals((byte[]) value.get(4), (byte[]) back.get(4));
        back.set(4, null);
        value.set(4, null);
        assertEquals(value, back);
        assertEquals(odd, back.get(3));
        assertEquals(List.copyOf(map.keySet()), List.copyOf(((Map<?, ?>) back.get(5)).keySet()), "the same order");
    }

    @Test
    void whatIsNotPlainTakesKryosForm() {
        List<Object> shared = new ArrayList<>(List.of("x"));
        List<Object> twice = new ArrayList<>(List.of(shared, shared));
        for (Object v : List.of(List.of(1), new java.util.TreeMap<>(Map.of("a", 1)), twice)) {
            byte[] data = trusting.encode(0, v);
            assertFalse(compact(data), v.toString());
            assertEquals(v, trusting.decode(data));
        }
        @SuppressWarnings("unchecked")
        List<Object> back = (List<Object>) trusting.decode(trusting.encode(0, twice));
        assertSame(back.get(0), back.get(1), "a shared list stays shared");
    }

    @Test
    void aLambdaCapturingPlainValuesIsRebuiltFromTrustedData() throws Exception {
        String who = "child";
        int n = 3;
        Supplier<String> fn = (Supplier<String> & java.io.Serializable) () -> who.repeat(n);
        byte[] data = trusting.encode(0, fn);
        assertTrue(compact(data));
        @SuppressWarnings("unchecked")
        Supplier<String> back = (Supplier<String>) trusting.decode(data);
        assertEquals("childchildchild", back.get());
    }

    @Test
    void lambdasOfTheSameShapeLengthAreToldApartWhenReadAgain() {
        // six lambdas of one class: their shapes differ only in the implementation method's number (same length),
        // read in turn more often than the reader keeps recent shapes, then one of them many times over
        List<Supplier<String>> fns = List.of(
                (Supplier<String> & java.io.Serializable) () -> "zero",
                (Supplier<String> & java.io.Serializable) () -> "one",
                (Supplier<String> & java.io.Serializable) () -> "two",
                (Supplier<String> & java.io.Serializable) () -> "three",
                (Supplier<String> & java.io.Serializable) () -> "four",
                (Supplier<String> & java.io.Serializable) () -> "five");
        List<byte[]> encoded = new ArrayList<>();
        for (Supplier<String> fn : fns) encoded.add(trusting.encode(0, fn));
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < fns.size(); i++) {
                @SuppressWarnings("unchecked")
                Supplier<String> back = (Supplier<String>) trusting.decode(encoded.get(i));
                assertEquals(fns.get(i).get(), back.get(), "lambda " + i + ", round " + round);
            }
            for (int i = fns.size() - 1; i >= 0; i--) {
                @SuppressWarnings("unchecked")
                Supplier<String> back = (Supplier<String>) trusting.decode(encoded.get(i));
                assertEquals(fns.get(i).get(), back.get(), "lambda " + i + " backwards, round " + round);
            }
        }
        for (int k = 0; k < 100; k++) {
            @SuppressWarnings("unchecked")
            Supplier<String> back = (Supplier<String>) trusting.decode(encoded.get(k % 2 == 0 ? 2 : 3));
            assertEquals(k % 2 == 0 ? "two" : "three", back.get());
        }
    }

    @Test
    void aChildCannotSendCodeInTheCompactForm() {
        Supplier<String> fn = (Supplier<String> & java.io.Serializable) () -> "code from below";
        byte[] data = trusting.encode(0, fn);
        assertTrue(compact(data));
        assertThrows(RefusedClassException.class, () -> fromChild.decode(data));
    }

    @Test
    void aByteArrayClaimingTwoGigabytesIsRefusedBeforeAnythingIsAllocated() {
        byte[] empty = trusting.encode(0, new byte[0]);
        assertTrue(compact(empty));
        byte[] bomb = Arrays.copyOf(empty, empty.length + 4);
        int at = empty.length - 1; // the length, a varint, comes last
        int declared = Integer.MAX_VALUE - 64;
        for (int i = 0; i < 5; i++, declared >>>= 7) bomb[at + i] = (byte) (i < 4 ? (declared & 0x7F) | 0x80 : declared);
        DataLimitException e = assertThrows(DataLimitException.class, () -> fromChild.decode(bomb));
        assertTrue(e.getMessage().contains("refused before anything was allocated"), e.getMessage());
    }

    @Test
    void depthAndElementsAreBoundedAsInKryosForm() {
        Object nested = "core";
        for (int i = 0; i < 8; i++) nested = new ArrayList<>(List.of(nested));
        byte[] deep = trusting.encode(0, nested);
        assertTrue(compact(deep));
        DataLimitException e = assertThrows(DataLimitException.class, () -> fromChild.decode(deep));
        assertTrue(e.getMessage().contains("deeper than 8 levels"), e.getMessage());
        List<Integer> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) many.add(i);
        e = assertThrows(DataLimitException.class, () -> fromChild.decode(trusting.encode(0, many)));
        assertTrue(e.getMessage().contains("more than 100 elements"), e.getMessage());
        assertEquals(many.subList(0, 99), fromChild.decode(trusting.encode(0, new ArrayList<>(many.subList(0, 99)))));
    }

    @Test
    void largeArraysAndStringsAreEncodedOnceIntoAnExactArrayAndComeBackEqual() {
        byte[] big = new byte[(3 << 20) + 7];
        new java.util.Random(1).nextBytes(big);
        String wide = "é\u20ac\0\ud800x".repeat(PlainOutput.LARGE / 3); // one, two and three UTF-8 bytes a char
        // a large array in the middle, small values after it (as a call's arguments before its statics)
        List<Object> value = new ArrayList<>(Arrays.asList("head", big, wide, 42L, null, new byte[]{9}));
        byte[] data = trusting.encode(0, value);
        assertTrue(compact(data));
        @SuppressWarnings("unchecked")
        List<Object> back = (List<Object>) fromChildUnlimited().decode(data);
        assertArrayEquals(big, (byte[]) back.get(1));
        assertEquals(wide, back.get(2));
        assertEquals(List.of("head", 42L), List.of(back.get(0), back.get(3)));
        assertNull(back.get(4));
        assertArrayEquals(new byte[]{9}, (byte[]) back.get(5));
        // the same bytes as the growing pass writes for a value under the threshold, and at the threshold's edge
        for (int size : new int[]{PlainOutput.LARGE - 1, PlainOutput.LARGE, PlainOutput.LARGE + 1}) {
            byte[] b = Arrays.copyOf(big, size);
            byte[] enc = trusting.encode(0, new ArrayList<>(List.of(b, "tail")));
            assertEquals(1 + 1 + 1 + 1 + varLen(size) + size + 1 + 1 + 4, enc.length, "exact size at " + size);
            assertEquals(List.of("tail"), ((List<?>) trusting.decode(enc)).subList(1, 2));
            assertArrayEquals(b, (byte[]) ((List<?>) trusting.decode(enc)).get(0));
        }
    }

    @Test
    void anEncodingIsASnapshotThatLaterChangesToTheValueDoNotReach() {
        byte[] big = new byte[1 << 20];
        Arrays.fill(big, (byte) 1);
        byte[] data = trusting.encode(0, big);
        Arrays.fill(big, (byte) 2);
        byte[] back = (byte[]) trusting.decode(data);
        assertEquals(1, back[0]);
        assertEquals(1, back[back.length - 1]);
        Arrays.fill(back, (byte) 3);
        assertEquals(1, ((byte[]) trusting.decode(data))[0], "decoding copies out of the message");
    }

    @Test
    void aLargeValueOverTheMaxMessageSizeIsNotPlain() {
        Codec small = new Codec(LOADER, null, Codec.Limits.DEFAULT, 1 << 20);
        RuntimeException e = assertThrows(RuntimeException.class, () -> small.encode(0, new byte[(1 << 20) + 1]));
        assertTrue(String.valueOf(e.getMessage()).contains("max"), String.valueOf(e.getMessage()));
    }

    private static int varLen(int v) {
        int n = 1;
        while ((v >>>= 7) != 0) n++;
        return n;
    }

    private static Codec fromChildUnlimited() {
        return new Codec(LOADER, new DataAllowList(n -> false, List.of()));
    }
}
