package dev.jitogen.core.serial;

import java.util.Set;
import java.util.function.Predicate;

/**
 * The classes a parent lets data from a child name, checked by name before any class is loaded or instantiated:
 * <ol>
 *   <li>JDK value types: boxed primitives, strings, arrays, the common collections, {@code Optional},
 *       {@code java.time}, common JDK enums (most travel as ids registered on both sides, {@link JdkValues}; their
 *       names are listed here for arrays of them, which travel by name);</li>
 *   <li>classes this context itself sent to a child as part of a call it made: the class of each call's function
 *       (a lambda's capturing class, a function object's class, or a static method's class) and the classes of the
 *       user's own code that it reaches, transitively, through the names in its class files (constant pools: what
 *       it constructs, calls, reads, and the types in its signatures). Own code is what the master serves from
 *       class directories or the shell's snippets, never from jars, never Jitogen's own classes, and only what the
 *       class policy allows (see {@code dev.jitogen.core.classload.CallClasses});</li>
 *   <li>classes in the packages named with {@code Router.builder().acceptData("pkg")} (and their sub-packages).</li>
 * </ol>
 * A class a child merely asked for never becomes acceptable by being served: a hostile child could ask for any class
 * the master has, and data naming it would make the master run its constructor, and through a sorted or hashed
 * collection its {@code compare}, {@code hashCode} or {@code equals}. With this rule, every class whose code
 * decoding can run (a comparator, a key's {@code hashCode}) is either the JDK's or one a call of the user's reached.
 *
 * <p>In everyday use nothing needs naming: a record that a lambda builds or returns is in its reach, and so is one
 * made by a method the lambda calls (a method typed at the shell prompt returning a record reaches it through that
 * method's class). What the reach cannot see is a class only named in a string (reflection, {@code ServiceLoader})
 * or one living in a jar (a library's value type, or your application packaged as a jar): name its package with
 * {@code acceptData}. The refusal says which type, and the exact call to add.
 *
 * <p>Stateless apart from the sent-for-a-call predicate; any thread.
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

    private final Predicate<String> sentForCalls;
    private final java.util.List<String> packages;

    /**
     * @param sentForCalls true for a class this context sent to a child as part of a call it made (rule 2 above)
     * @param packages     further packages whose classes may come back (library data types the user trusts)
     */
    public DataAllowList(Predicate<String> sentForCalls, java.util.List<String> packages) {
        this.sentForCalls = sentForCalls;
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
        if (JDK.contains(element) || element.startsWith("java.time.") || sentForCalls.test(element)) return null;
        for (String p : packages) if (element.startsWith(p + ".")) return null;
        String pkg = element.contains(".") ? element.substring(0, element.lastIndexOf('.')) : element;
        return "type " + className + " is not allowed in data from a child: a parent accepts only JDK value types "
                + "(strings, numbers, arrays, common collections, Optional, java.time), classes it sent to a child as "
                + "part of a call it made (the function's class and the classes of your own code it reaches), and "
                + "packages named with acceptData; a class a child only asked for does not count. Return one of "
                + "those, or, if you trust " + pkg + " as data, name it with Router.builder().acceptData(\"" + pkg
                + "\")";
    }
}
