package dev.jitogen.core;

import com.esotericsoftware.kryo.io.Output;
import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.serial.NotSendableException;
import dev.jitogen.core.serial.RefusedClassException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.File;
import java.io.FileInputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Currency;
import java.util.Date;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Everyday JDK values travel both ways, through a real child JVM (started without {@code --add-opens} for
 * {@code java.base} internals) and an in-process context, and arrive equal; collection views and wrappers arrive as
 * plain copies; what cannot travel is refused with a message that names the type and what to do.
 *
 * <p>Each value is checked three ways: made in the context and returned; sent from here as an argument and compared
 * there with the one the context makes itself; and sent as an argument and returned.
 */
class ValueTypesTest {
    static Router router;
    static Context local, inProcess;

    @BeforeAll
    static void start() {
        router = Router.create();
        local = router.local();
        inProcess = router.inProcess();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    /** A value the context makes, and the plain class it must arrive as (null: any class that is equal). */
    record Case(String name, RemoteCallable<Object> make, Class<?> arrivesAs) {}

    record Host(String name, Path home, InetAddress ip, List<String> tags, Map.Entry<String, Integer> best) {}

    static Case value(String name, RemoteCallable<Object> make) {
        return new Case(name, make, null);
    }

    static Case copy(String name, Class<?> arrivesAs, RemoteCallable<Object> make) {
        return new Case(name, make, arrivesAs);
    }

    static List<Case> jdkValues() {
        return List.of(
                value("Path", () -> Path.of("/etc/hosts")),
                value("relative Path", () -> Path.of("a", "b c")),
                value("File", () -> new File("/tmp/x y")),
                value("URI", () -> URI.create("https://user@example.com:8443/a%20b?q=1#frag")),
                value("URL", () -> new URL("http://127.0.0.1:8080/x?y=z")),
                value("file URL", () -> new File("/etc/hosts").toURI().toURL()),
                value("Duration", () -> Duration.ofSeconds(90061, 5)),
                value("Instant", () -> Instant.ofEpochSecond(1_700_000_000L, 123_456_789)),
                value("LocalDate", () -> LocalDate.of(2024, 2, 29)),
                value("LocalDateTime", () -> LocalDateTime.of(2024, 2, 29, 13, 45, 1, 999)),
                value("LocalTime", () -> LocalTime.of(23, 59, 59, 1)),
                value("ZonedDateTime", () -> ZonedDateTime.of(2024, 7, 1, 12, 0, 0, 0, ZoneId.of("Europe/Paris"))),
                value("ZonedDateTime in a DST overlap, later offset", () -> ZonedDateTime.of(LocalDateTime.of(
                        2021, 11, 7, 1, 30), ZoneId.of("America/New_York")).withLaterOffsetAtOverlap()),
                value("ZonedDateTime at an offset",
                        () -> ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHours(9))),
                value("OffsetDateTime",
                        () -> OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 6, ZoneOffset.ofHoursMinutes(5, 30))),
                value("OffsetTime", () -> OffsetTime.of(3, 4, 5, 6, ZoneOffset.ofHours(-7))),
                value("ZoneId", () -> ZoneId.of("Asia/Tokyo")),
                value("ZoneId UTC", () -> ZoneId.of("UTC")),
                value("ZoneOffset", () -> ZoneOffset.ofHoursMinutes(-3, -30)),
                value("Period", () -> Period.of(1, 2, 3)),
                value("Year", () -> Year.of(1999)),
                value("YearMonth", () -> YearMonth.of(2020, 12)),
                value("MonthDay", () -> MonthDay.of(2, 29)),
                value("UUID", () -> UUID.fromString("123e4567-e89b-12d3-a456-426614174000")),
                value("BigDecimal", () -> new BigDecimal("3.14159265358979323846264338327950288e-300")),
                value("BigInteger", () -> new BigInteger("-123456789012345678901234567890")),
                value("Optional", () -> Optional.of("x")),
                value("empty Optional", Optional::empty),
                value("Optional of a Path", () -> Optional.of(Path.of("/srv"))),
                value("OptionalInt", () -> OptionalInt.of(3)),
                value("empty OptionalInt", OptionalInt::empty),
                value("OptionalLong", () -> OptionalLong.of(-4L)),
                value("OptionalDouble", () -> OptionalDouble.of(2.5)),
                value("Inet4Address", () -> InetAddress.getByAddress(new byte[]{10, 1, 2, 3})),
                value("Inet4Address with a name",
                        () -> InetAddress.getByAddress("db1", new byte[]{(byte) 192, (byte) 168, 0, 7})),
                value("Inet6Address", () -> InetAddress.getByName("::1")),
                value("Inet6Address with a scope", () -> Inet6Address.getByAddress(null,
                        InetAddress.getByName("fe80::1").getAddress(), 2)),
                value("InetSocketAddress", () -> new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080)),
                value("unresolved InetSocketAddress", () -> InetSocketAddress.createUnresolved("example.invalid", 443)),
                value("Charset UTF-8", () -> StandardCharsets.UTF_8),
                value("Charset ISO-8859-1", () -> Charset.forName("ISO-8859-1")),
                value("Locale", () -> Locale.US),
                value("Locale ROOT", () -> Locale.ROOT),
                value("Locale with a script", () -> Locale.forLanguageTag("zh-Hant-TW")),
                value("Locale with a legacy variant", () -> new Locale("ja", "JP", "JP")),
                value("Locale with extensions", () -> Locale.forLanguageTag("de-DE-u-co-phonebk")),
                value("Currency", () -> Currency.getInstance("EUR")),
                value("Pattern", () -> Pattern.compile("a+b(c|d)*", Pattern.CASE_INSENSITIVE | Pattern.MULTILINE)),
                value("BitSet", () -> BitSet.valueOf(new long[]{5, 1L << 63})),
                value("Date", () -> new Date(1_700_000_000_123L)),
                value("AtomicInteger", () -> new AtomicInteger(7)),
                value("AtomicLong", () -> new AtomicLong(-8)),
                value("AtomicBoolean", () -> new AtomicBoolean(true)),
                value("StringBuilder", () -> new StringBuilder("built")),
                value("AtomicReference", () -> new AtomicReference<>(List.of("x"))),
                value("DayOfWeek", () -> DayOfWeek.FRIDAY),
                value("Month", () -> Month.MAY),
                value("TimeUnit", () -> TimeUnit.HOURS),
                value("ChronoUnit", () -> ChronoUnit.DAYS),
                value("PosixFilePermission", () -> PosixFilePermission.OWNER_EXECUTE),
                value("EnumSet of PosixFilePermission", () -> EnumSet.of(PosixFilePermission.OWNER_READ,
                        PosixFilePermission.GROUP_WRITE)),
                value("RoundingMode", () -> RoundingMode.HALF_EVEN),
                value("a record of JDK values", () -> new Host("web1", Path.of("/home/web"),
                        InetAddress.getByAddress("web1", new byte[]{10, 0, 0, 5}),
                        Collections.unmodifiableList(new ArrayList<>(List.of("a", "b"))), Map.entry("cpu", 4))),
                value("int[]", () -> new int[]{1, 2, 3}),
                value("long[][]", () -> new long[][]{{1}, {2, 3}}),
                value("String[]", () -> new String[]{"a", null}),
                value("Path[]", () -> new Path[]{Path.of("/a"), Path.of("b")}),
                value("File[]", () -> new File[]{new File("/tmp")}),
                value("Object[] of mixed values", () -> new Object[]{Path.of("/x"), LocalDate.of(2000, 1, 1), 7,
                        List.of(1)}));
    }

    static List<Case> collections() {
        return List.of(
                copy("Stream.toList() with a null", null, () -> Stream.of("a", null, "c").toList()),
                copy("Collectors.toList()", ArrayList.class, () -> Stream.of(1, 2).collect(Collectors.toList())),
                copy("Collectors.toSet()", null, () -> Stream.of(1, 2).collect(Collectors.toSet())),
                copy("Collectors.toMap()", null,
                        () -> Stream.of("a", "bb").collect(Collectors.toMap(s -> s, String::length))),
                copy("Collectors.groupingBy()", null, () -> Stream.of("a", "bb", "cc")
                        .collect(Collectors.groupingBy(String::length))),
                copy("Collectors.partitioningBy()", LinkedHashMap.class, () -> Stream.of(1, 2, 3)
                        .collect(Collectors.partitioningBy(i -> i > 1))),
                copy("Collectors.joining()", null, () -> Stream.of("a", "b").collect(Collectors.joining(","))),
                copy("Collectors.counting()", null, () -> Stream.of("a", "b").collect(Collectors.counting())),
                copy("List.of", null, () -> List.of(1, 2, 3)),
                copy("List.of one", null, () -> List.of("x")),
                copy("Set.of", null, () -> Set.of("a", "b", "c")),
                copy("Map.of", null, () -> Map.of("a", 1, "b", 2)),
                copy("Map.entry", AbstractMap.SimpleImmutableEntry.class, () -> Map.entry("k", 1)),
                copy("Arrays.asList", null, () -> Arrays.asList("a", null)),
                copy("Collections.unmodifiableList", null,
                        () -> Collections.unmodifiableList(new ArrayList<>(List.of(1, 2)))),
                copy("Collections.unmodifiableSet", null,
                        () -> Collections.unmodifiableSet(new HashSet<>(List.of(1, 2)))),
                copy("Collections.unmodifiableMap", null,
                        () -> Collections.unmodifiableMap(new HashMap<>(Map.of(1, 2)))),
                copy("Collections.unmodifiableSortedMap", null, () -> Collections.unmodifiableSortedMap(
                        new TreeMap<>(Map.of(2, "b", 1, "a")))),
                copy("Collections.synchronizedList", ArrayList.class,
                        () -> Collections.synchronizedList(new ArrayList<>(List.of(1)))),
                copy("Collections.synchronizedMap", LinkedHashMap.class,
                        () -> Collections.synchronizedMap(new HashMap<>(Map.of(1, 2)))),
                copy("Collections.emptyList", null, Collections::emptyList),
                copy("Collections.emptySet", null, Collections::emptySet),
                copy("Collections.emptyMap", null, Collections::emptyMap),
                copy("Collections.singletonList", null, () -> Collections.singletonList("one")),
                copy("Collections.singleton", null, () -> Collections.singleton("one")),
                copy("Collections.singletonMap", null, () -> Collections.singletonMap("k", "v")),
                copy("Collections.nCopies", null, () -> Collections.nCopies(3, "x")),
                copy("HashMap.keySet()", LinkedHashSet.class, () -> new HashMap<>(Map.of("a", 1, "b", 2)).keySet()),
                copy("HashMap.values()", ArrayList.class, () -> new HashMap<>(Map.of("a", 1, "b", 2)).values()),
                copy("HashMap.entrySet()", LinkedHashSet.class, () -> new HashMap<>(Map.of("a", 1, "b", 2)).entrySet()),
                copy("TreeMap.keySet()", TreeSet.class, () -> new TreeMap<>(Map.of("b", 1, "a", 2)).keySet()),
                copy("TreeMap.headMap()", TreeMap.class,
                        () -> new TreeMap<>(Map.of(1, "a", 2, "b", 3, "c")).headMap(3)),
                copy("TreeMap.descendingMap()", TreeMap.class,
                        () -> new TreeMap<>(Map.of(1, "a", 2, "b")).descendingMap()),
                copy("ConcurrentHashMap.keySet()", LinkedHashSet.class,
                        () -> new ConcurrentHashMap<>(Map.of(1, 2)).keySet()),
                copy("ArrayList.subList()", ArrayList.class, () -> new ArrayList<>(List.of(1, 2, 3, 4)).subList(1, 3)),
                copy("LinkedList.subList()", ArrayList.class,
                        () -> new LinkedList<>(List.of(1, 2, 3, 4)).subList(1, 3)),
                copy("HashMap$Node", AbstractMap.SimpleImmutableEntry.class, () -> new HashMap<>(Map.of("a", 1))
                        .entrySet().iterator().next()),
                copy("TreeMap$Entry", AbstractMap.SimpleImmutableEntry.class, () -> new TreeMap<>(Map.of("a", 1))
                        .entrySet().iterator().next()),
                copy("TreeMap.firstEntry()", AbstractMap.SimpleImmutableEntry.class, () -> new TreeMap<>(Map.of("a", 1))
                        .firstEntry()),
                copy("AbstractMap.SimpleEntry", AbstractMap.SimpleEntry.class,
                        () -> new AbstractMap.SimpleEntry<>("k", List.of(1))),
                copy("entrySet().stream().toList()", null,
                        () -> new HashMap<>(Map.of("a", 1, "b", 2)).entrySet().stream()
                        .toList()),
                copy("entries sorted by value", ArrayList.class, () -> new TreeMap<>(Map.of("a", 2, "b", 1)).entrySet()
                        .stream().sorted(Map.Entry.comparingByValue()).collect(Collectors.toList())),
                copy("EnumMap", EnumMap.class,
                        () -> new EnumMap<>(Map.of(DayOfWeek.MONDAY, 1, DayOfWeek.SUNDAY, 7))),

                copy("Properties", Properties.class, () -> {
                    Properties p = new Properties();
                    p.setProperty("os.name", "Linux");
                    return p;
                }),
                copy("plain collections", null, () -> List.of(new ArrayList<>(List.of(1)), new LinkedList<>(List.of(2)),
                        new TreeSet<>(Set.of(3)), new LinkedHashMap<>(Map.of(4, 5)))));
    }

    @TestFactory
    List<DynamicTest> jdkValuesTravelBothWaysAndArriveEqual() {
        return checks(jdkValues());
    }

    @TestFactory
    List<DynamicTest> collectionsViewsAndEntriesArriveAsEqualPlainCopies() {
        return checks(collections());
    }

    private static List<DynamicTest> checks(List<Case> cases) {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases) {
            for (Context ctx : List.of(local, inProcess)) {
                tests.add(DynamicTest.dynamicTest(c.name() + " (" + ctx.name() + ")", () -> check(ctx, c)));
            }
        }
        return tests;
    }

    private static void check(Context ctx, Case c) throws Exception {
        Object here = c.make().call();
        RemoteCallable<Object> make = c.make();

        Object returned = ctx.call(make);
        assertSame(here, returned, "made in " + ctx.name() + " and returned");
        if (c.arrivesAs() != null) assertEquals(c.arrivesAs(), returned.getClass());

        String mismatch = ctx.call((RemoteFunction<Object, String>) arg -> mismatch(make.call(), arg), here);
        assertNull(mismatch, "sent as an argument to " + ctx.name());

        Object echoed = ctx.call((RemoteFunction<Object, Object>) arg -> arg, here);
        assertSame(here, echoed, "sent as an argument and returned");
    }

    private static void assertSame(Object expected, Object actual, String how) {
        String m = mismatch(expected, actual);
        assertNull(m, () -> how + ": " + m);
    }

    /** Null if the two are equal as values, else what differs. Runs in contexts too. */
    static String mismatch(Object a, Object b) {
        boolean same;
        if (a == null || b == null) same = a == b;
        else if (a.getClass().isArray()) same = Arrays.deepEquals(new Object[]{a}, new Object[]{b});
        else if (a instanceof Pattern p) {
            same = b instanceof Pattern q && p.pattern().equals(q.pattern()) && p.flags() == q.flags();
        }
        else if (a instanceof CharSequence && !(a instanceof String)) same = b.getClass() == a.getClass()
                && a.toString().equals(b.toString());
        else if (a instanceof AtomicReference<?> x) {
            same = b instanceof AtomicReference<?> y && Objects.equals(x.get(), y.get());
        } else if (a instanceof AtomicInteger || a instanceof AtomicLong || a instanceof AtomicBoolean) {
            same = b.getClass() == a.getClass() && a.toString().equals(b.toString());
        } else if (a instanceof Collection<?> x && !(a instanceof List) && !(a instanceof Set)) {
            same = b instanceof Collection<?> y && new ArrayList<>(x).equals(new ArrayList<>(y)); // equals is identity
        } else if (a instanceof Inet6Address x) {
            same = a.equals(b) && ((Inet6Address) b).getScopeId() == x.getScopeId()
                    && a.toString().equals(b.toString());
        } else if (a instanceof InetAddress) same = a.equals(b) && a.toString().equals(b.toString()); // the name too
        else if (a instanceof ZonedDateTime x) {
            same = x.equals(b) && x.getOffset().equals(((ZonedDateTime) b).getOffset());
        }
        else same = Objects.equals(a, b);
        return same ? null : "expected " + describe(a) + " but got " + describe(b);
    }

    private static String describe(Object o) {
        if (o == null) return "null";
        String text = o.getClass().isArray() ? Arrays.deepToString(new Object[]{o}) : String.valueOf(o);
        return text + " (" + o.getClass().getName() + ")";
    }

    @Test
    void unmodifiableResultsStayUnmodifiable() {
        for (Context ctx : List.of(local, inProcess)) {
            List<String> list = ctx.call(() -> Stream.of("a", null).toList());
            assertThrows(UnsupportedOperationException.class, () -> list.add("b"));
            Map<Integer, Integer> map = ctx.call(() -> Map.of(1, 2));
            assertThrows(UnsupportedOperationException.class, map::clear);
            List<Integer> plain = ctx.call(() -> new ArrayList<>(List.of(1, 2, 3)).subList(0, 2));
            plain.add(4); // a view arrives as a plain, modifiable copy
            assertEquals(List.of(1, 2, 4), plain);
        }
    }

    @Test
    void aThreadReturnedIsRefusedByNameWithWhatToDo() {
        for (Context ctx : List.of(local, inProcess)) {
            CallError e = assertThrows(CallError.class, () -> ctx.call(Thread::currentThread));
            assertEquals(NotSendableException.class.getName(), e.remoteClassName());
            assertTrue(e.getMessage().contains("java.lang.Thread cannot be sent"), e.getMessage());
            assertTrue(e.getMessage().contains("getName()"), e.getMessage());
            assertEquals(ctx.id(), (int) ctx.call(() -> Router.current().myId()), "the context stays usable");
        }
    }

    @Test
    void aStreamReturnedIsRefusedWithAdviceToCollectIt() {
        CallError e = assertThrows(CallError.class, () -> local.call(() -> Stream.of(1, 2, 3).map(i -> i * 2)));
        assertTrue(e.getMessage().contains("java.util.stream."), e.getMessage());
        assertTrue(e.getMessage().contains(".toList()"), e.getMessage());
    }

    @Test
    void anOpenStreamOrAProcessReturnedIsRefusedWithWhatToReturnInstead() {
        CallError in = assertThrows(CallError.class, () -> local.call(() -> new FileInputStream("/dev/null")));
        assertTrue(in.getMessage().contains("java.io.FileInputStream cannot be sent"), in.getMessage());
        assertTrue(in.getMessage().contains("readAllBytes()"), in.getMessage());
        CallError p = assertThrows(CallError.class, () -> local.call(() -> new ProcessBuilder("true").start()));
        assertTrue(p.getMessage().contains("cannot be sent"), p.getMessage());
        assertTrue(p.getMessage().contains("pid()"), p.getMessage());
    }

    @Test
    void anUnsendableValueInsideARecordIsNamedWithWhereItSits() {
        CallError e = assertThrows(CallError.class,
                () -> local.call(() -> List.of(new Holding("main", Thread.currentThread()))));
        assertTrue(e.getMessage().contains("java.lang.Thread cannot be sent"), e.getMessage());
        assertTrue(e.getMessage().contains("\nthing ("), "Kryo's trace names the component: " + e.getMessage());
    }

    record Holding(String name, Object thing) {}

    @Test
    void anUnsendableArgumentIsRefusedBeforeTheCallIsSent() {
        Thread t = Thread.currentThread();
        CallError e = assertThrows(CallError.class,
                () -> local.call((RemoteFunction<Object, String>) String::valueOf, t));
        assertTrue(e.getMessage().contains("java.lang.Thread cannot be sent"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot send argument #0 (java.lang.Thread) to local"), e.getMessage());
    }

    @Test
    void aPathOfAnotherFileSystemIsRefusedWithWhatToSendInstead() {
        CallError e = assertThrows(CallError.class,
                () -> local.call(() -> FileSystems.getFileSystem(URI.create("jrt:/")).getPath("/modules")));
        assertTrue(e.getMessage().contains("default file system"), e.getMessage());
    }

    @Test
    void theAllowListStillRefusesNonValueJdkClassesFromARealChild() throws Exception {
        int me = local.id();
        for (String name : List.of("java.lang.Thread", "java.io.FileInputStream", "java.lang.ProcessBuilder",
                "sun.nio.fs.UnixPath")) {
            try (Receiver<Object> r = Receiver.create(router)) {
                int handle = r.handle();
                byte[] forged = naming(name);
                local.call(() -> {
                    RawFrames.write(0, me, me, handle, 0, forged); // what a child that lies about its result sends
                    return null;
                });
                CallError e = assertThrows(CallError.class, () -> r.get(Duration.ofSeconds(10)));
                assertEquals(RefusedClassException.class.getName(), e.remoteClassName());
                assertTrue(e.getMessage().contains(name), e.getMessage());
                assertTrue(e.getMessage().contains("Router.builder().acceptData(\""), e.getMessage());
            }
        }
        assertEquals(Path.of("/still/fine"), local.call(() -> Path.of("/still/fine")));
    }

    /** Kryo bytes of a value of class {@code name}, written by name as a child could. */
    private static byte[] naming(String name) {
        Output out = new Output(64);
        out.writeByte(Receiver.VALUE);
        out.writeVarInt(1, true); // a class by name
        out.writeVarInt(0, true); // its name id
        out.writeString(name);
        out.writeByte(1); // not null
        return out.toBytes();
    }
}
