package dev.jitogen.plugins.service;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service framework's own encoding of arguments and results: null, booleans, ints, longs, strings, byte arrays,
 * lists and string-keyed maps of those, nothing else. Service calls come from siblings and children, which are not
 * trusted: this format names no class, so decoding it can run no code, and every length is checked against the
 * bytes left before anything is allocated. It also keeps service traffic out of the router's data allow-list, which
 * (rightly) refuses Jitogen's own classes from children.
 *
 * <p>Threads: static and stateless; any thread.
 */
public final class Wire {
    private Wire() {}

    private static final byte NULL = 0, FALSE = 1, TRUE = 2, INT = 3, LONG = 4, STRING = 5, BYTES = 6, LIST = 7, MAP = 8;
    /** Deeper than any service's arguments need; bounds the decoder's recursion on a hostile frame. */
    static final int MAX_DEPTH = 16;

    /** Thrown for bytes that are not a value of this format; the message says what was wrong. */
    public static final class BadValue extends RuntimeException {
        BadValue(String message) {
            super(message);
        }
    }

    public static byte[] encode(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, value, 0);
        } catch (IOException e) {
            throw new IllegalStateException(e); // memory streams do not fail
        }
        return bytes.toByteArray();
    }

    /** Whether {@code value} can be encoded (see the class comment). */
    static boolean canTravel(Object value) {
        try {
            encode(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void write(DataOutputStream out, Object v, int depth) throws IOException {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH + " levels");
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof Boolean b) {
            out.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeByte(STRING);
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof byte[] b) {
            out.writeByte(BYTES);
            out.writeInt(b.length);
            out.write(b);
        } else if (v instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeInt(list.size());
            for (Object e : list) write(out, e, depth + 1);
        } else if (v instanceof Map<?, ?> map) {
            out.writeByte(MAP);
            out.writeInt(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String)) throw new IllegalArgumentException("map keys must be strings");
                write(out, e.getKey(), depth + 1);
                write(out, e.getValue(), depth + 1);
            }
        } else {
            throw new IllegalArgumentException(v.getClass().getName() + " cannot travel to a service: use null, "
                    + "boolean, int, long, String, byte[], or lists and string-keyed maps of those");
        }
    }

    public static Object decode(byte[] data, int offset) {
        ByteBuffer in = ByteBuffer.wrap(data, offset, data.length - offset);
        Object v = read(in, 0);
        if (in.hasRemaining()) throw new BadValue(in.remaining() + " stray bytes after the value");
        return v;
    }

    private static Object read(ByteBuffer in, int depth) {
        if (depth > MAX_DEPTH) throw new BadValue("nested deeper than " + MAX_DEPTH + " levels");
        if (!in.hasRemaining()) throw new BadValue("value cut short");
        byte tag = in.get();
        switch (tag) {
            case NULL: return null;
            case FALSE: return false;
            case TRUE: return true;
            case INT: need(in, 4); return in.getInt();
            case LONG: need(in, 8); return in.getLong();
            case STRING: return new String(bytes(in, 1), StandardCharsets.UTF_8);
            case BYTES: return bytes(in, 1);
            case LIST: {
                int n = count(in, 1); // every element takes at least its tag byte
                List<Object> list = new ArrayList<>(Math.min(n, 1024));
                for (int i = 0; i < n; i++) list.add(read(in, depth + 1));
                return Collections.unmodifiableList(list);
            }
            case MAP: {
                int n = count(in, 2);
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    if (!(read(in, depth + 1) instanceof String key)) throw new BadValue("a map key is not a string");
                    map.put(key, read(in, depth + 1));
                }
                return Collections.unmodifiableMap(map);
            }
            default: throw new BadValue("unknown tag " + tag);
        }
    }

    private static void need(ByteBuffer in, int n) {
        if (in.remaining() < n) throw new BadValue("value cut short");
    }

    /** A length or count, checked against what the rest of the frame can hold at {@code minEach} bytes apiece. */
    private static int count(ByteBuffer in, int minEach) {
        need(in, 4);
        int n = in.getInt();
        if (n < 0 || (long) n * minEach > in.remaining()) {
            throw new BadValue("a length of " + n + " is more than the " + in.remaining() + " bytes left");
        }
        return n;
    }

    private static byte[] bytes(ByteBuffer in, int minEach) {
        byte[] b = new byte[count(in, minEach)];
        in.get(b);
        return b;
    }
}
