package dev.jitogen.core.serial;

import java.util.Set;
import java.util.function.Predicate;

/**
 * The classes a parent lets data from a child instantiate: JDK value types, boxed primitives, strings, arrays,
 * the common collections, {@code Optional}, {@code java.time}, common JDK enums, and classes the master itself
 * served to its children under its class policy (records, enums and plain classes of the user's own code).
 * Everything else is refused by name before any class is loaded. Most JDK value types ({@code Path},
 * {@code InetAddress}, collection views...) travel as ids registered on both sides ({@link JdkValues}), never as
 * names; their names are listed here for arrays of them, which travel by name. Stateless apart from the
 * served-class predicate; any thread.
 */
public final class DataAllowList implements Codec.ClassFilter {
    private static final Set<String> JDK = Set.of(
            "java.lang.Boolean", "java.lang.Byte", "java.lang.Character", "java.lang.Short", "java.lang.Integer",
            "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.String", "java.lang.Void",
            "java.lang.StringBuilder", "java.lang.StringBuffer", "java.lang.Object",
            "java.math.BigInteger", "java.math.BigDecimal", "java.util.UUID", "java.net.URI", "java.net.URL",
            "java.util.Date", "java.util.Locale", "java.util.Currency", "java.util.concurrent.TimeUnit",
            // JDK value types registered by id (JdkValues): named here for arrays of them, such as File[]
            "java.nio.file.Path", "java.io.File", "java.net.InetAddress", "java.net.Inet4Address",
            "java.net.Inet6Address", "java.net.InetSocketAddress", "java.nio.charset.Charset",
            "java.util.regex.Pattern", "java.util.BitSet", "java.util.concurrent.atomic.AtomicInteger",
            "java.util.concurrent.atomic.AtomicLong", "java.util.concurrent.atomic.AtomicBoolean",
            "java.util.concurrent.atomic.AtomicReference",
            "java.util.Map$Entry", "java.util.AbstractMap$SimpleImmutableEntry", "java.util.AbstractMap$SimpleEntry",
            "java.util.Collection", "java.util.List", "java.util.Set", "java.util.Map",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.ArrayDeque", "java.util.HashMap",
            "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet",
            "java.util.TreeSet", "java.util.EnumMap", "java.util.IntSummaryStatistics",
            "java.util.LongSummaryStatistics", "java.util.DoubleSummaryStatistics",
            "java.nio.file.attribute.FileTime", "java.util.RegularEnumSet", "java.util.JumboEnumSet",
            "java.util.EnumSet", "java.util.PriorityQueue", "java.util.Properties", "java.util.Hashtable",
            "java.util.Vector", "java.util.Stack",
            "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.CopyOnWriteArrayList",
            "java.util.concurrent.ConcurrentSkipListMap",
            "java.util.Arrays$ArrayList", "java.util.Collections$EmptyList", "java.util.Collections$EmptyMap",
            "java.util.Collections$EmptySet", "java.util.Collections$SingletonList", "java.util.Collections$SingletonMap",
            "java.util.Collections$SingletonSet", "java.util.ImmutableCollections$List12",
            "java.util.ImmutableCollections$ListN", "java.util.ImmutableCollections$Set12",
            "java.util.ImmutableCollections$SetN", "java.util.ImmutableCollections$Map1",
            "java.util.ImmutableCollections$MapN", "java.util.ImmutableCollections$SubList",
            "java.util.Optional", "java.util.OptionalInt", "java.util.OptionalLong", "java.util.OptionalDouble",
            // JDK enums (java.time's, DayOfWeek and ChronoUnit among them, are allowed as a package)
            "java.nio.file.attribute.PosixFilePermission", "java.nio.file.attribute.AclEntryType",
            "java.nio.file.attribute.AclEntryPermission", "java.nio.file.attribute.AclEntryFlag",
            "java.nio.file.AccessMode", "java.nio.file.LinkOption", "java.nio.file.StandardOpenOption",
            "java.nio.file.StandardCopyOption", "java.nio.file.FileVisitResult", "java.nio.file.FileVisitOption",
            "java.math.RoundingMode", "java.lang.Thread$State", "java.lang.System$Logger$Level",
            "java.lang.annotation.ElementType", "java.lang.annotation.RetentionPolicy", "java.util.Locale$Category",
            "java.net.StandardProtocolFamily", "java.net.Proxy$Type", "java.text.Normalizer$Form",
            "java.lang.Character$UnicodeScript", "java.util.stream.Collector$Characteristics");

    private final Predicate<String> served;
    private final java.util.List<String> packages;

    /**
     * @param served   true for a class of the user's own code that the master served and its policy allows
     * @param packages further package prefixes whose classes may come back (library data types the user trusts)
     */
    public DataAllowList(Predicate<String> served, java.util.List<String> packages) {
        this.served = served;
        this.packages = java.util.List.copyOf(packages);
    }

    @Override
    public String refusal(String className) {
        String element = className;
        boolean array = false;
        while (element.startsWith("[")) {
            element = element.substring(1);
            array = true;
        }
        if (array && element.length() == 1 && "ZBCSIJFD".contains(element)) return null; // primitive array
        if (element.startsWith("L") && element.endsWith(";")) element = element.substring(1, element.length() - 1);
        if (JDK.contains(element) || element.startsWith("java.time.") || served.test(element)) return null;
        for (String p : packages) if (element.startsWith(p + ".")) return null;
        return "type " + className + " is not allowed in data from a child: a parent accepts only JDK value types, "
                + "strings, arrays, common collections, Optional, java.time, and the records, enums and classes of "
                + "your own code that the master serves; return one of those, or name its package with "
                + "Router.builder().acceptData(\"" + (element.contains(".") ? element.substring(0, element.lastIndexOf('.')) : element) + "\")";
    }
}
