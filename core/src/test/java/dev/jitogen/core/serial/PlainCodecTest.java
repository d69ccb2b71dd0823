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
}
