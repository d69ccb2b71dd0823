package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.io.File;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Jitogen's own serializers for JDK values whose state lives in private fields of {@code java.base} (closed to
 * Kryo in a JVM started without {@code --add-opens}), and for collection views and wrappers, which travel as plain
 * copies (see {@link JdkValues}). One class with a kind per type rather than a class per type: every class here is
 * shipped to every child. Each kind reads back through public factories only, so data from a child can make
 * nothing but the value it names.
 *
 * <p>Stateless; one instance per registration, used by one thread at a time like the Kryo that holds it.
 */
final class JdkSerializer extends Serializer<Object> {
    static final int PATH = 0, FILE = 1, ZONED_DATE_TIME = 2, LOCALE = 3, INET_ADDRESS = 4, SOCKET_ADDRESS = 5,
            FILE_TIME = 6, INT_SUMMARY = 7, LONG_SUMMARY = 8, DOUBLE_SUMMARY = 9, ENTRY = 10, MUTABLE_ENTRY = 11,
            LIST = 12, SET = 13, MAP = 14, ENUM_MAP = 15;
    /** Flags of a copied collection, written before its elements. */
    private static final int UNMODIFIABLE = 1, SORTED = 2;

    private final int kind;

    JdkSerializer(int kind) {
        super(false, kind < INT_SUMMARY); // values are immutable; statistics, entries and collections are not
        this.kind = kind;
    }

    @Override
    public void write(Kryo kryo, Output out, Object value) {
        switch (kind) {
            case PATH -> writePath(out, (Path) value);
            case FILE -> out.writeString(((File) value).getPath());
            case ZONED_DATE_TIME -> {
                // the instant and the zone: an offset chosen again from the local date-time could differ
                ZonedDateTime t = (ZonedDateTime) value;
                out.writeVarLong(t.toEpochSecond(), false);
                out.writeVarInt(t.getNano(), true);
                out.writeString(t.getZone().getId());
            }
            case LOCALE -> writeLocale(out, (Locale) value);
            case INET_ADDRESS -> writeInet(out, (InetAddress) value);
            case SOCKET_ADDRESS -> {
                // an unresolved address stays unresolved (its host name is sent); a resolved one keeps its address
                InetSocketAddress a = (InetSocketAddress) value;
                out.writeVarInt(a.getPort(), true);
                out.writeBoolean(a.isUnresolved());
                if (a.isUnresolved()) out.writeString(a.getHostString());
                else writeInet(out, a.getAddress());
            }
            case FILE_TIME -> {
                Instant t = ((java.nio.file.attribute.FileTime) value).toInstant();
                out.writeVarLong(t.getEpochSecond(), false);
                out.writeVarInt(t.getNano(), true);
            }
            case INT_SUMMARY -> {
                java.util.IntSummaryStatistics st = (java.util.IntSummaryStatistics) value;
                out.writeVarLong(st.getCount(), true);
                out.writeVarLong(st.getSum(), false);
                out.writeVarInt(st.getMin(), false);
                out.writeVarInt(st.getMax(), false);
            }
            case LONG_SUMMARY -> {
                java.util.LongSummaryStatistics st = (java.util.LongSummaryStatistics) value;
                out.writeVarLong(st.getCount(), true);
                out.writeVarLong(st.getSum(), false);
                out.writeVarLong(st.getMin(), false);
                out.writeVarLong(st.getMax(), false);
            }
            case DOUBLE_SUMMARY -> {
                java.util.DoubleSummaryStatistics st = (java.util.DoubleSummaryStatistics) value;
                out.writeVarLong(st.getCount(), true);
                out.writeDouble(st.getSum());
                out.writeDouble(st.getMin());
                out.writeDouble(st.getMax());
            }
            case ENUM_MAP -> writeEnumMap(kryo, out, (java.util.EnumMap<?, ?>) value);
            case ENTRY, MUTABLE_ENTRY -> {
                Map.Entry<?, ?> e = (Map.Entry<?, ?>) value;
                kryo.writeClassAndObject(out, e.getKey());
                kryo.writeClassAndObject(out, e.getValue());
            }
            case MAP -> writeMap(kryo, out, (Map<?, ?>) value);
            default -> writeCollection(kryo, out, (Collection<?>) value);
        }
    }

    @Override
    public Object read(Kryo kryo, Input in, Class<?> type) {
        switch (kind) {
            case PATH:
                return Path.of(in.readString());
            case FILE:
                return new File(in.readString());
            case ZONED_DATE_TIME:
                Instant instant = Instant.ofEpochSecond(in.readVarLong(false), in.readVarInt(true));
                return ZonedDateTime.ofInstant(instant, ZoneId.of(in.readString()));
            case LOCALE:
                if (!in.readBoolean()) return Locale.forLanguageTag(in.readString());
                return new Locale(in.readString(), in.readString(), in.readString());
            case INET_ADDRESS:
                return readInet(in);
            case SOCKET_ADDRESS:
                int port = in.readVarInt(true);
                if (in.readBoolean()) return InetSocketAddress.createUnresolved(in.readString(), port);
                return new InetSocketAddress(readInet(in), port);
            case FILE_TIME:
                return java.nio.file.attribute.FileTime.from(Instant.ofEpochSecond(in.readVarLong(false), in.readVarInt(true)));
            case INT_SUMMARY: {
                long count = in.readVarLong(true), sum = in.readVarLong(false);
                int min = in.readVarInt(false), max = in.readVarInt(false);
                return count == 0 ? new java.util.IntSummaryStatistics() : new java.util.IntSummaryStatistics(count, min, max, sum);
            }
            case LONG_SUMMARY: {
                long count = in.readVarLong(true), sum = in.readVarLong(false), min = in.readVarLong(false), max = in.readVarLong(false);
                return count == 0 ? new java.util.LongSummaryStatistics() : new java.util.LongSummaryStatistics(count, min, max, sum);
            }
            case DOUBLE_SUMMARY: {
                long count = in.readVarLong(true);
                double sum = in.readDouble(), min = in.readDouble(), max = in.readDouble();
                return count == 0 ? new java.util.DoubleSummaryStatistics() : new java.util.DoubleSummaryStatistics(count, min, max, sum);
            }
            case ENUM_MAP:
                return readEnumMap(kryo, in);
            case ENTRY:
                Object key = kryo.readClassAndObject(in);
                return new AbstractMap.SimpleImmutableEntry<>(key, kryo.readClassAndObject(in));
            case MUTABLE_ENTRY:
                Object k = kryo.readClassAndObject(in);
                return new AbstractMap.SimpleEntry<>(k, kryo.readClassAndObject(in));
            case MAP:
                return readMap(kryo, in);
            default:
                return readCollection(kryo, in);
        }
    }

    /**
     * An EnumMap: its key type, then its entries. The key type of an empty one cannot be read without reflection
     * into java.util, so an empty EnumMap arrives keyed by {@link java.util.concurrent.TimeUnit}: empty all the same.
     */
    private static void writeEnumMap(Kryo kryo, Output out, java.util.EnumMap<?, ?> map) {
        out.writeVarInt(map.size(), true);
        Class<?> keys = map.isEmpty() ? java.util.concurrent.TimeUnit.class
                : ((Enum<?>) map.keySet().iterator().next()).getDeclaringClass();
        kryo.writeClass(out, keys);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            out.writeVarInt(((Enum<?>) e.getKey()).ordinal(), true);
            kryo.writeClassAndObject(out, e.getValue());
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object readEnumMap(Kryo kryo, Input in) {
        int size = size(in, "an EnumMap", 2);
        Class<?> keys = kryo.readClass(in).getType();
        if (!keys.isEnum()) throw new KryoException("an EnumMap keyed by " + keys.getName() + ", which is not an enum");
        Object[] constants = keys.getEnumConstants();
        java.util.EnumMap map = new java.util.EnumMap(keys);
        for (int i = 0; i < size; i++) {
            int ordinal = in.readVarInt(true);
            if (ordinal >= constants.length) throw new KryoException("no constant " + ordinal + " in " + keys.getName());
            map.put((Enum) constants[ordinal], kryo.readClassAndObject(in));
        }
        return map;
    }

    /** Paths of the default file system, as their text; the receiving JVM parses it with its own default. */
    private static void writePath(Output out, Path path) {
        if (path.getFileSystem() != FileSystems.getDefault()) {
            String type = path.getClass().getName();
            throw new NotSendableException(type, type + " cannot be sent between contexts: only paths of the default "
                    + "file system travel; send path.toString() or path.toUri() instead");
        }
        out.writeString(path.toString());
    }

    /** Language, country and variant when that is all there is (the common case), else the BCP 47 tag. */
    private static void writeLocale(Output out, Locale l) {
        boolean simple = l.getScript().isEmpty() && !l.hasExtensions();
        out.writeBoolean(simple);
        if (simple) {
            out.writeString(l.getLanguage());
            out.writeString(l.getCountry());
            out.writeString(l.getVariant());
        } else {
            out.writeString(l.toLanguageTag());
        }
    }

    /**
     * {@code Inet4Address} and {@code Inet6Address}: the host name if one is known (never looked up), the address
     * bytes, and an IPv6 scope id. No name service is asked on either side.
     */
    private static void writeInet(Output out, InetAddress a) {
        String s = a.toString(); // "host/literal", host empty when none is known: getHostName() would look it up
        int slash = s.indexOf('/');
        out.writeString(slash > 0 ? s.substring(0, slash) : null);
        byte[] bytes = a.getAddress();
        out.writeByte(bytes.length);
        out.writeBytes(bytes);
        if (a instanceof Inet6Address v6) out.writeVarInt(v6.getScopeId(), true);
    }

    private static InetAddress readInet(Input in) {
        String host = in.readString();
        int n = in.readByte();
        if (n != 4 && n != 16) throw new KryoException("an IP address has 4 or 16 bytes, not " + n);
        byte[] bytes = in.readBytes(n);
        try {
            if (n == 4) return InetAddress.getByAddress(host, bytes);
            int scope = in.readVarInt(true);
            return Inet6Address.getByAddress(host, bytes, scope == 0 ? -1 : scope);
        } catch (UnknownHostException e) {
            throw new KryoException(e);
        }
    }

    /**
     * A JDK list, set or other collection with no serializer of its own (a view, a wrapper, an immutable list that
     * may hold nulls): flags, then its elements, read back into an ArrayList (a set: a LinkedHashSet, or a TreeSet if
     * it was sorted in natural order), wrapped unmodifiable if it was.
     */
    private static void writeCollection(Kryo kryo, Output out, Collection<?> c) {
        int flags = (JdkValues.isUnmodifiable(c.getClass()) ? UNMODIFIABLE : 0) | (c instanceof SortedSet<?> ? SORTED : 0);
        Object[] elements = c.toArray(); // one consistent snapshot, also of synchronized and concurrent ones
        out.writeByte(flags);
        if (c instanceof SortedSet<?> s) writeOrder(kryo, out, s.comparator());
        out.writeVarInt(elements.length, true);
        for (Object e : elements) kryo.writeClassAndObject(out, e);
    }

    private Collection<Object> readCollection(Kryo kryo, Input in) {
        int flags = in.readByte();
        Comparator<Object> order = (flags & SORTED) != 0 ? readOrder(kryo, in) : null;
        int n = size(in, "a collection", 1);
        boolean unmodifiable = (flags & UNMODIFIABLE) != 0;
        Collection<Object> inner, result;
        if (kind == SET && (flags & SORTED) != 0) {
            TreeSet<Object> s = new TreeSet<>(order);
            inner = s;
            result = unmodifiable ? Collections.unmodifiableNavigableSet(s) : s;
        } else if (kind == SET) {
            Set<Object> s = new LinkedHashSet<>(capacity(n));
            inner = s;
            result = unmodifiable ? Collections.unmodifiableSet(s) : s;
        } else {
            List<Object> l = new ArrayList<>(Math.min(n, BoundedSerializers.MAX_PRESIZE));
            inner = l;
            result = unmodifiable ? Collections.unmodifiableList(l) : l;
        }
        kryo.reference(result); // before the elements, which may refer back to it
        if (kind == SET) DataBudget.hashes(kryo, false);
        for (int i = 0; i < n; i++) inner.add(kryo.readClassAndObject(in));
        return result;
    }

    /** A JDK map with no serializer of its own, as a LinkedHashMap (a TreeMap if sorted in natural order). */
    private static void writeMap(Kryo kryo, Output out, Map<?, ?> m) {
        int flags = (JdkValues.isUnmodifiable(m.getClass()) ? UNMODIFIABLE : 0) | (m instanceof SortedMap<?, ?> ? SORTED : 0);
        Object[] entries = m.entrySet().toArray();
        out.writeByte(flags);
        if (m instanceof SortedMap<?, ?> s) writeOrder(kryo, out, s.comparator());
        out.writeVarInt(entries.length, true);
        for (Object o : entries) {
            Map.Entry<?, ?> e = (Map.Entry<?, ?>) o;
            kryo.writeClassAndObject(out, e.getKey());
            kryo.writeClassAndObject(out, e.getValue());
        }
    }

    private static Map<Object, Object> readMap(Kryo kryo, Input in) {
        int flags = in.readByte();
        Comparator<Object> order = (flags & SORTED) != 0 ? readOrder(kryo, in) : null;
        int n = size(in, "a map", 2);
        boolean unmodifiable = (flags & UNMODIFIABLE) != 0;
        Map<Object, Object> inner, result;
        if ((flags & SORTED) != 0) {
            TreeMap<Object, Object> t = new TreeMap<>(order);
            inner = t;
            result = unmodifiable ? Collections.unmodifiableNavigableMap(t) : t;
        } else {
            inner = new LinkedHashMap<>(capacity(n));
            result = unmodifiable ? Collections.unmodifiableMap(inner) : inner;
        }
        kryo.reference(result);
        DataBudget.hashes(kryo, true);
        for (int i = 0; i < n; i++) {
            Object key = kryo.readClassAndObject(in);
            inner.put(key, kryo.readClassAndObject(in));
        }
        return result;
    }

    /**
     * The order of a sorted set or map: the JDK's own orders (natural, reversed, case-insensitive, and that reversed)
     * by a code, as their classes are the JDK's and closed to Kryo; any other comparator as an object of its own,
     * which travels if it is a serializable class of the user's (or is refused, saying why).
     */
    private static void writeOrder(Kryo kryo, Output out, Comparator<?> c) {
        int code = ORDERS.indexOf(c == Comparator.naturalOrder() ? null : c);
        if (code < 0 && (!(c instanceof java.io.Serializable) || JdkValues.isJdk(c.getClass()))) {
            throw new NotSendableException(c.getClass().getName(), "a sorted collection travels with its order: natural "
                    + "order, reverseOrder(), String.CASE_INSENSITIVE_ORDER, or a serializable comparator (a class of "
                    + "your own, or a lambda cast to (Comparator<T> & java.io.Serializable)); for another order, return "
                    + "a List or a LinkedHashMap built in that order");
        }
        out.writeByte(code);
        if (code < 0) kryo.writeClassAndObject(out, c);
    }

    @SuppressWarnings("unchecked")
    private static Comparator<Object> readOrder(Kryo kryo, Input in) {
        int code = in.readByte();
        if (code >= ORDERS.size()) throw new KryoException("no order " + code);
        if (code >= 0) return (Comparator<Object>) ORDERS.get(code);
        Object c = kryo.readClassAndObject(in);
        if (!(c instanceof Comparator<?>)) throw new KryoException("a sorted collection's order is not a Comparator");
        return (Comparator<Object>) c;
    }

    /** The JDK's orders, by code: their position here. */
    private static final List<Comparator<?>> ORDERS = java.util.Arrays.asList(null, Collections.reverseOrder(),
            String.CASE_INSENSITIVE_ORDER, Collections.reverseOrder(String.CASE_INSENSITIVE_ORDER));

    /**
     * A declared element count, which data from a child may have forged: checked against the bytes left (each
     * element written takes {@code bytesEach} at least), and trusted for no more than 1024 slots ahead of the
     * elements themselves.
     */
    private static int size(Input in, String what, int bytesEach) {
        int n = in.readVarInt(true);
        DataBudget.checkLength(in, what, n, bytesEach);
        return n;
    }

    private static int capacity(int n) {
        return Math.min(n, BoundedSerializers.MAX_PRESIZE) * 4 / 3 + 1;
    }
}
