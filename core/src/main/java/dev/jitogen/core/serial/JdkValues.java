package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.OptionalSerializers;
import com.esotericsoftware.kryo.serializers.TimeSerializers;

import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Collection;
import java.util.Currency;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * The JDK value types that travel, and how. Each is registered by id with an explicit serializer, identically on
 * both sides, so the wire never names a JDK implementation class ({@code sun.nio.fs.UnixPath},
 * {@code java.util.HashMap$Node}) and no serializer reflects into {@code java.*}. A concrete JDK class travels as its
 * <em>canonical</em> type ({@link #canonical}): every default-file-system {@code Path} as {@code Path}, every JDK
 * {@code Map.Entry} as an entry, every collection view or wrapper as a plain copy. A JDK class with no serializer at
 * all is refused with a hint ({@link #whyNotSendable}) instead of being taken apart field by field.
 *
 * <p>Stateless; any thread.
 */
final class JdkValues {
    private JdkValues() {}

    /** A concrete class's canonical registered type, or the class itself. Computed once per class. */
    private static final ClassValue<Class<?>> CANONICAL = new ClassValue<>() {
        @Override
        protected Class<?> computeValue(Class<?> type) {
            return canonicalOf(type);
        }
    };

    /** Registers the value types from {@code id} on, in a fixed order; returns the next free id. */
    static int register(Kryo kryo, int id) {
        kryo.register(Path.class, new JdkSerializer(JdkSerializer.PATH), id++);
        kryo.register(java.io.File.class, new JdkSerializer(JdkSerializer.FILE), id++);
        kryo.register(URI.class, new DefaultSerializers.URISerializer(), id++);
        kryo.register(URL.class, new DefaultSerializers.URLSerializer(), id++);
        kryo.register(UUID.class, new DefaultSerializers.UUIDSerializer(), id++);
        kryo.register(BigInteger.class, new DefaultSerializers.BigIntegerSerializer(), id++);
        kryo.register(BigDecimal.class, new DefaultSerializers.BigDecimalSerializer(), id++);
        kryo.register(Duration.class, new TimeSerializers.DurationSerializer(), id++);
        kryo.register(Instant.class, new TimeSerializers.InstantSerializer(), id++);
        kryo.register(LocalDate.class, new TimeSerializers.LocalDateSerializer(), id++);
        kryo.register(LocalDateTime.class, new TimeSerializers.LocalDateTimeSerializer(), id++);
        kryo.register(LocalTime.class, new TimeSerializers.LocalTimeSerializer(), id++);
        kryo.register(ZonedDateTime.class, new JdkSerializer(JdkSerializer.ZONED_DATE_TIME), id++);
        kryo.register(OffsetDateTime.class, new TimeSerializers.OffsetDateTimeSerializer(), id++);
        kryo.register(OffsetTime.class, new TimeSerializers.OffsetTimeSerializer(), id++);
        kryo.register(ZoneId.class, new TimeSerializers.ZoneIdSerializer(), id++);
        kryo.register(ZoneOffset.class, new TimeSerializers.ZoneOffsetSerializer(), id++);
        kryo.register(Period.class, new TimeSerializers.PeriodSerializer(), id++);
        kryo.register(Year.class, new TimeSerializers.YearSerializer(), id++);
        kryo.register(YearMonth.class, new TimeSerializers.YearMonthSerializer(), id++);
        kryo.register(MonthDay.class, new TimeSerializers.MonthDaySerializer(), id++);
        kryo.register(Optional.class, new OptionalSerializers.OptionalSerializer(), id++);
        kryo.register(OptionalInt.class, new OptionalSerializers.OptionalIntSerializer(), id++);
        kryo.register(OptionalLong.class, new OptionalSerializers.OptionalLongSerializer(), id++);
        kryo.register(OptionalDouble.class, new OptionalSerializers.OptionalDoubleSerializer(), id++);
        kryo.register(InetAddress.class, new JdkSerializer(JdkSerializer.INET_ADDRESS), id++);
        kryo.register(InetSocketAddress.class, new JdkSerializer(JdkSerializer.SOCKET_ADDRESS), id++);
        kryo.register(Charset.class, new DefaultSerializers.CharsetSerializer(), id++);
        kryo.register(Locale.class, new JdkSerializer(JdkSerializer.LOCALE), id++);
        kryo.register(Currency.class, new DefaultSerializers.CurrencySerializer(), id++);
        kryo.register(Pattern.class, new DefaultSerializers.PatternSerializer(), id++);
        kryo.register(BitSet.class, new DefaultSerializers.BitSetSerializer(), id++);
        kryo.register(Date.class, new DefaultSerializers.DateSerializer(), id++);
        kryo.register(AtomicInteger.class, new DefaultSerializers.AtomicIntegerSerializer(), id++);
        kryo.register(AtomicLong.class, new DefaultSerializers.AtomicLongSerializer(), id++);
        kryo.register(AtomicBoolean.class, new DefaultSerializers.AtomicBooleanSerializer(), id++);
        kryo.register(AtomicReference.class, new DefaultSerializers.AtomicReferenceSerializer(), id++);
        kryo.register(StringBuilder.class, new DefaultSerializers.StringBuilderSerializer(), id++);
        kryo.register(StringBuffer.class, new DefaultSerializers.StringBufferSerializer(), id++);
        kryo.register(java.nio.file.attribute.FileTime.class, new JdkSerializer(JdkSerializer.FILE_TIME), id++);
        kryo.register(java.util.AbstractMap.SimpleEntry.class, new JdkSerializer(JdkSerializer.MUTABLE_ENTRY), id++);
        kryo.register(java.util.IntSummaryStatistics.class, new JdkSerializer(JdkSerializer.INT_SUMMARY), id++);
        kryo.register(java.util.LongSummaryStatistics.class, new JdkSerializer(JdkSerializer.LONG_SUMMARY), id++);
        kryo.register(java.util.DoubleSummaryStatistics.class, new JdkSerializer(JdkSerializer.DOUBLE_SUMMARY), id++);
        kryo.register(java.util.EnumMap.class, new JdkSerializer(JdkSerializer.ENUM_MAP), id++);
        kryo.register(Map.Entry.class, new JdkSerializer(JdkSerializer.ENTRY), id++);
        kryo.register(List.class, new JdkSerializer(JdkSerializer.LIST), id++);
        kryo.register(Set.class, new JdkSerializer(JdkSerializer.SET), id++);
        kryo.register(Map.class, new JdkSerializer(JdkSerializer.MAP), id++);
        return id;
    }

    /** The registered type {@code type} travels as: itself unless it is a JDK class mapped above. */
    static Class<?> canonical(Class<?> type) {
        return CANONICAL.get(type);
    }

    private static Class<?> canonicalOf(Class<?> type) {
        if (!isJdk(type)) return type; // a user's own Path or List implementation is the user's business
        if (Path.class.isAssignableFrom(type)) return Path.class;
        if (Charset.class.isAssignableFrom(type)) return Charset.class; // sun.nio.cs.UTF_8...
        if (InetAddress.class.isAssignableFrom(type)) return InetAddress.class;
        if (ZoneId.class.isAssignableFrom(type) && type != ZoneOffset.class) return ZoneId.class; // ZoneRegion
        if (type == java.util.AbstractMap.SimpleEntry.class) return type; // public and mutable: it stays one
        if (Map.Entry.class.isAssignableFrom(type)) return Map.Entry.class;
        if (!Collection.class.isAssignableFrom(type) && !Map.class.isAssignableFrom(type)) return type;
        // public top-level collections (ArrayList, TreeMap, ArrayDeque...) are plain and keep their own
        // serializers; EnumSet's hidden subclasses have Kryo's, EnumMap Jitogen's; everything else (a view, a
        // wrapper, or a collection Kryo cannot rebuild, such as ArrayBlockingQueue) travels as a copy
        if (EnumSet.class.isAssignableFrom(type) || type == java.util.EnumMap.class) return type;
        // a TreeMap or TreeSet, or a sorted view, keeps its order (see JdkSerializer's orders)
        boolean tree = type == java.util.TreeMap.class || type == java.util.TreeSet.class;
        if (!tree && isPlain(type)) return type;
        if (java.util.SortedMap.class.isAssignableFrom(type)) return Map.class;
        if (java.util.SortedSet.class.isAssignableFrom(type)) return Set.class;
        if (Map.class.isAssignableFrom(type)) return Map.class;
        return Set.class.isAssignableFrom(type) ? Set.class : List.class;
    }

    /** A public top-level collection class that Kryo can make empty and fill: EnumMap or ArrayBlockingQueue cannot. */
    private static boolean isPlain(Class<?> type) {
        if (!Modifier.isPublic(type.getModifiers()) || !type.getName().startsWith("java.")
                || type.getName().indexOf('$') >= 0) {
            return false;
        }
        try {
            type.getConstructor();
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** Loaded by the boot or platform loader: part of the JDK, whose private fields stay closed to Kryo. */
    static boolean isJdk(Class<?> type) {
        ClassLoader l = type.getClassLoader();
        return l == null || l == ClassLoader.getPlatformClassLoader();
    }

    /** True for the JDK's unmodifiable and immutable collections, which arrive wrapped unmodifiable again. */
    static boolean isUnmodifiable(Class<?> type) {
        String n = type.getName();
        return n.startsWith("java.util.ImmutableCollections$") || n.startsWith("java.util.Collections$Unmodifiable")
                || n.startsWith("java.util.Collections$Empty") || n.startsWith("java.util.Collections$Singleton")
                || n.equals("java.util.Collections$CopiesList");
    }

    /**
     * Why a JDK class that reached Kryo's field-by-field fallback cannot be sent, with what to do instead; null for
     * a class that may take that path (not the JDK's, or a bare {@code Object}).
     */
    static String whyNotSendable(Class<?> type) {
        if (!isJdk(type) || type == Object.class) return null;
        String what;
        if (java.util.stream.BaseStream.class.isAssignableFrom(type)) {
            what = "a Stream runs where it is made; collect it first, e.g. return stream.toList()";
        } else if (java.util.Iterator.class.isAssignableFrom(type) || java.util.Spliterator.class.isAssignableFrom(type)
                || java.util.Enumeration.class.isAssignableFrom(type)) {
            what = "an iterator runs where it is made; collect what it yields into a List first";
        } else if (java.io.InputStream.class.isAssignableFrom(type) || java.io.OutputStream.class.isAssignableFrom(type)
                || java.io.Reader.class.isAssignableFrom(type) || java.io.Writer.class.isAssignableFrom(type)
                || java.nio.channels.Channel.class.isAssignableFrom(type)) {
            what = "an open stream or channel belongs to its JVM; read what you need where it is open and return "
                    + "that (e.g. readAllBytes(), or Files.readString(path))";
        } else if (Process.class.isAssignableFrom(type) || ProcessHandle.class.isAssignableFrom(type)
                || ProcessBuilder.class.isAssignableFrom(type)) {
            what = "a process belongs to its JVM; return what you need from it (pid(), exitValue(), its output)";
        } else if (Thread.class.isAssignableFrom(type) || ThreadGroup.class.isAssignableFrom(type)) {
            what = "a thread belongs to its JVM; return what you need from it (getName(), getId(), getState())";
        } else if (java.util.concurrent.Future.class.isAssignableFrom(type)
                || java.util.concurrent.CompletionStage.class.isAssignableFrom(type)) {
            what = "a future completes where it runs; wait for it there and return its result";
        } else if (Throwable.class.isAssignableFrom(type)) {
            what = "an exception is not a value here; throw it (the caller gets a CallError) or return its message";
        } else if (java.util.Comparator.class.isAssignableFrom(type)) {
            what = "a sorted collection travels with natural order, reverseOrder() or String.CASE_INSENSITIVE_ORDER "
                    + "(or a comparator class of your own); for another order, return a List or a LinkedHashMap built "
                    + "in that order";
        } else if (java.nio.file.attribute.BasicFileAttributes.class.isAssignableFrom(type)) {
            what = "file attributes are read where the file is; return the ones you need (size(), "
                    + "lastModifiedTime(), isDirectory(), or PosixFilePermissions.toString(attrs.permissions()))";
        } else if (java.security.Principal.class.isAssignableFrom(type)) {
            what = "a user or group belongs to its host; return its getName()";
        } else if (AutoCloseable.class.isAssignableFrom(type)) {
            what = "an open resource belongs to its JVM; use it where it is open and return the data you need";
        } else {
            what = "it holds state of its own JVM and is not one of the JDK value types Jitogen sends; return the "
                    + "data you need from it (strings, numbers, java.time, collections, records)";
        }
        return type.getName() + " cannot be sent between contexts: " + what;
    }
}
