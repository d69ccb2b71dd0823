package dev.jitogen.shell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Everyday Java typed at the prompt, run in the master and in a real child JVM ({@code local}), with equal results.
 *
 * <p>Each shape is some setup typed at the prompt (methods, records, classes, enums, interfaces, variables) and an
 * expression with a deterministic value. The setup runs once; then the expression runs in the master, and in the
 * child in one of four ways:
 * <ul>
 *   <li>{@link #expr}: {@code local.call(() -> E)};</li>
 *   <li>{@link #block}: a lambda with a block body, {@code local.call(() -> { BODY })}, against the same body run in
 *       the master through a {@code Callable};</li>
 *   <li>{@link #inside}: the remote call is made from inside a method (or generic method) typed at the prompt,
 *       which takes the context to use ({@code null} runs the same lambda in the master);</li>
 *   <li>{@link #on}: {@code /on local E}, which prints {@code [local] VALUE}.</li>
 * </ul>
 * The values printed (the text after {@code ==> }, or after {@code [local] }) must be equal. Every declaration's name
 * starts with the shape's own prefix, so shapes are independent of each other; one shell (and one child) serves them
 * all.
 */
class ShellCorpusTest {
    /** How the expression reaches the child. */
    enum Via { CALL, BLOCK, INSIDE, ON }

    /** One shape: what to type first, and the expression (or block body, or call template) to compare. */
    record Shape(String name, Via via, List<String> setup, String code) {
        String master() {
            return switch (via) {
                case CALL, ON -> code;
                case BLOCK -> "((java.util.concurrent.Callable<Object>) () -> {\n" + code + "\n}).call()";
                case INSIDE -> code.replace(CTX, "null");
            };
        }

        String remote() {
            return switch (via) {
                case CALL -> "local.call(() -> " + code + ")";
                case BLOCK -> "local.call(() -> {\n" + code + "\n})";
                case INSIDE -> code.replace(CTX, "local");
                case ON -> "/on local " + code;
            };
        }
    }

    /** In an {@link #inside} template, where the context goes: {@code null} in the master, {@code local} remotely. */
    static final String CTX = "@CTX";
    static final long RUN_LIMIT_SECONDS = 60;

    static final List<String> printed = new CopyOnWriteArrayList<>();
    static Shell shell;
    static ScheduledExecutorService watchdog;
    /** Per shape, in corpus order: "ok", or what went wrong; printed as a summary at the end. */
    static final java.util.Map<String, String> outcomes = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());

    @BeforeAll
    static void open() {
        shell = new Shell(printed::add);
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "corpus-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void close() {
        long ok = outcomes.values().stream().filter("ok"::equals).count();
        System.out.println("corpus: " + ok + " of " + outcomes.size() + " shapes give equal values");
        outcomes.forEach((name, outcome) -> {
            if (!outcome.equals("ok")) System.out.println("corpus: FAILED " + name + " -- " + outcome);
        });
        if (watchdog != null) watchdog.shutdownNow();
        if (shell != null) shell.close();
    }

    /** Runs one unit; a unit still running after {@link #RUN_LIMIT_SECONDS} is interrupted (Ctrl-C). */
    private static Result run(String unit) {
        printed.clear();
        ScheduledFuture<?> stop = watchdog.schedule(shell::stop, RUN_LIMIT_SECONDS, TimeUnit.SECONDS);
        boolean ok;
        try {
            ok = shell.run(unit);
        } finally {
            stop.cancel(false);
        }
        return new Result(ok, List.copyOf(printed));
    }

    record Result(boolean ok, List<String> lines) {
        String text() {
            return String.join("\n", lines);
        }

        /** The value printed by an expression snippet ({@code $N ==> VALUE}), or null. */
        String value() {
            return find(Pattern.compile("^\\$\\d+ ==> (.*)$", Pattern.DOTALL));
        }

        /** The value {@code /on local} printed ({@code [local] VALUE}), or null. */
        String onValue() {
            return find(Pattern.compile("^\\[local] (.*)$", Pattern.DOTALL));
        }

        private String find(Pattern p) {
            for (String l : lines) {
                Matcher m = p.matcher(l);
                if (m.matches()) return m.group(1);
            }
            return null;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyShapeGivesTheSameValueInTheMasterAndInTheChild() {
        return corpus().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> check(s)));
    }

    private static void check(Shape s) {
        outcomes.put(s.name(), "setup or master failed");
        for (String unit : s.setup()) {
            Result r = run(unit);
            assertTrue(r.ok(), () -> s.name() + ": setup failed: " + unit + "\n" + r.text());
        }
        String master = s.master();
        Result m = run(master);
        assertTrue(m.ok() && m.value() != null, () -> s.name() + ": in the master: " + master + "\n" + m.text());
        String remote = s.remote();
        Result r = run(remote);
        String value = s.via() == Via.ON ? r.onValue() : r.value();
        outcomes.put(s.name(), firstError(r.lines()));
        assertTrue(r.ok() && value != null, () -> s.name() + ": in the child: " + remote + "\n" + r.text());
        outcomes.put(s.name(), "master " + m.value() + ", child " + value);
        // /on prints text raw, where an expression's value is a Java literal
        String expected = s.via() == Via.ON ? raw(m.value()) : m.value();
        assertEquals(expected, value, () -> s.name() + ": master and child differ for " + remote);
        outcomes.put(s.name(), "ok");
    }

    /** A jshell string literal ({@code "a\\"b"}) as the text it stands for; anything else as it is. */
    private static String raw(String value) {
        if (value == null || value.length() < 2 || !value.startsWith("\"") || !value.endsWith("\"")) return value;
        return value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\");
    }

    /** The exception line a failed run printed, with the frame under it; else its first line. */
    private static String firstError(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("|  Exception")) {
                return lines.get(i).substring(3) + (i + 1 < lines.size() ? " " + lines.get(i + 1).strip().substring(1).strip() : "");
            }
        }
        return lines.isEmpty() ? "failed, printing nothing" : lines.get(0);
    }

    @Test
    void theCorpusHasAtLeastSeventyShapesWithDistinctNames() {
        List<Shape> all = corpus();
        assertTrue(all.size() >= 70, "only " + all.size() + " shapes");
        Set<String> names = new HashSet<>();
        for (Shape s : all) assertTrue(names.add(s.name()), "two shapes called " + s.name());
        for (Via v : Via.values()) assertTrue(all.stream().anyMatch(s -> s.via() == v), "no shape runs via " + v);
    }

    // ---- the corpus ----------------------------------------------------------------------------------------------

    private static List<Shape> shapes;

    private static Shape add(String name, Via via, String code, String... setup) {
        Shape s = new Shape(name, via, List.of(setup), code);
        shapes.add(s);
        return s;
    }

    private static void expr(String name, String e, String... setup) {
        add(name, Via.CALL, e, setup);
    }

    private static void block(String name, String body, String... setup) {
        add(name, Via.BLOCK, body, setup);
    }

    private static void inside(String name, String template, String... setup) {
        add(name, Via.INSIDE, template, setup);
    }

    private static void on(String name, String e, String... setup) {
        add(name, Via.ON, e, setup);
    }

    static synchronized List<Shape> corpus() {
        if (shapes != null) return shapes;
        shapes = new ArrayList<>();

        // -- method references, all four kinds
        expr("mref static Integer::parseInt",
                "Stream.of(\"3\", \"1\", \"2\").map(Integer::parseInt).sorted().toList()");
        expr("mref bound to a literal \"x\"::concat",
                "Stream.of(\"a\", \"b\").map(\"x\"::concat).toList()");
        expr("mref bound to a top-level variable s::concat",
                "Stream.of(\"a\", \"b\").map(k03pre::concat).collect(Collectors.joining(\",\"))",
                "String k03pre = \"pre-\";");
        expr("mref unbound String::length",
                "Stream.of(\"a\", \"bb\", \"ccc\").map(String::length).toList()");
        expr("mref constructor ArrayList::new",
                "Stream.of(1, 2, 3).collect(Collectors.toCollection(ArrayList::new))");
        expr("mref array constructor int[]::new",
                "Stream.of(2, 3).map(int[]::new).map(a -> a.length).toList()");
        expr("mref array constructor String[]::new",
                "Stream.of(\"b\", \"a\").sorted().toArray(String[]::new)");
        expr("mref static method of a prompt class",
                "IntStream.rangeClosed(1, 3).map(K08Util::twice).boxed().toList()",
                "class K08Util { static int twice(int x) { return 2 * x; } }");
        expr("mref StringBuilder three-argument collect",
                "\"hello\".chars().map(c -> c - 'a' + 'A').collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString()");

        // -- lambdas
        expr("lambdas nested three deep",
                "IntStream.rangeClosed(1, 2).boxed().map(a -> IntStream.rangeClosed(1, 2).boxed()"
                        + ".map(b -> IntStream.rangeClosed(1, 2).boxed().map(c -> a * 100 + b * 10 + c).toList()).toList()).toList()");
        expr("lambda inside a prompt method",
                "k11sq(List.of(1, 2, 3))",
                "List<Integer> k11sq(List<Integer> xs) { return xs.stream().map(x -> x * x).toList(); }");
        expr("lambda passed to a generic prompt method",
                "k12map(List.of(\"a\", \"bb\"), s -> s.length() * 10)",
                "<T, R> List<R> k12map(List<T> xs, Function<T, R> f) { return xs.stream().map(f).toList(); }");
        expr("Function andThen compose",
                "((Function<Integer, Integer>) x -> x + 1).andThen(x -> x * 10).compose((Integer x) -> x - 3).apply(5)");
        expr("functional interface declared at the prompt",
                "((K14Tri) (a, b, c) -> a * b + c).apply(3, 4, 5)",
                "@FunctionalInterface interface K14Tri { int apply(int a, int b, int c); }");
        expr("serializable lambda held in a top-level variable",
                "k15inc.apply(41)",
                "RemoteFunction<Integer, Integer> k15inc = x -> x + 1;");
        expr("plain Function held in a top-level variable",
                "k16dbl.apply(21)",
                "Function<Integer, Integer> k16dbl = x -> x * 2;");
        expr("Function made Serializable held in a top-level variable",
                "k16ser.apply(21)",
                "Function<Integer, Integer> k16ser = (Function<Integer, Integer> & java.io.Serializable) x -> x * 2;");
        expr("Predicate and Comparator lambdas held in top-level variables",
                "Stream.of(\"ccc\", \"a\", \"bb\", \"dd\").filter(k16keep).sorted(k16order).toList()",
                "Predicate<String> k16keep = w -> !w.equals(\"dd\");",
                "Comparator<String> k16order = (a, b) -> Integer.compare(a.length(), b.length());");

        // -- streams
        expr("stream map filter reduce",
                "IntStream.rangeClosed(1, 10).filter(i -> i % 2 == 0).map(i -> i * i).reduce(0, Integer::sum)");
        expr("stream sorted Comparator.comparing thenComparing",
                "Stream.of(new K18P(\"bo\", 30), new K18P(\"al\", 30), new K18P(\"cy\", 25))"
                        + ".sorted(Comparator.comparing(K18P::age).thenComparing(K18P::name)).map(K18P::name).toList()",
                "record K18P(String name, int age) {}");
        expr("stream sorted comparing reversed thenComparing natural",
                "Stream.of(\"bb\", \"a\", \"ccc\", \"dd\").sorted(Comparator.comparing(String::length).reversed()"
                        + ".thenComparing(Comparator.naturalOrder())).toList()");
        expr("stream flatMap",
                "Stream.of(List.of(1, 2), List.of(3)).flatMap(List::stream).map(i -> i * 2).toList()");
        expr("IntStream.range boxed",
                "IntStream.range(0, 5).boxed().collect(Collectors.toList())");
        expr("IntStream mapToObj joining with prefix",
                "IntStream.range(0, 4).mapToObj(i -> \"#\" + i).collect(Collectors.joining(\"|\", \"<\", \">\"))");
        expr("groupingBy counting",
                "Stream.of(\"a\", \"bb\", \"cc\", \"ddd\").collect(Collectors.groupingBy(String::length, Collectors.counting()))");
        expr("groupingBy TreeMap::new counting",
                "Stream.of(\"apple\", \"avocado\", \"banana\", \"cherry\", \"blueberry\")"
                        + ".collect(Collectors.groupingBy(s -> s.charAt(0), TreeMap::new, Collectors.counting()))");
        expr("groupingBy mapping",
                "Stream.of(\"ant\", \"bee\", \"ape\", \"bat\").collect(Collectors.groupingBy(s -> s.substring(0, 1), "
                        + "Collectors.mapping(String::toUpperCase, Collectors.toList())))");
        expr("partitioningBy",
                "IntStream.rangeClosed(1, 6).boxed().collect(Collectors.partitioningBy(i -> i % 3 == 0))");
        expr("toMap",
                "Stream.of(\"one\", \"two\", \"three\").collect(Collectors.toMap(s -> s, String::length))");
        expr("toMap with merge and TreeMap::new",
                "Stream.of(\"b\", \"a\", \"b\", \"c\").collect(Collectors.toMap(s -> s, s -> 1, Integer::sum, TreeMap::new))");
        expr("summarizingInt",
                "Stream.of(4, 8, 15, 16, 23, 42).collect(Collectors.summarizingInt(Integer::intValue))");
        expr("teeing",
                "Stream.of(3, 9, 4).collect(Collectors.teeing(Collectors.summingInt(i -> i), Collectors.counting(), (sum, n) -> sum + \"/\" + n))");
        expr("Stream.toList with a null element",
                "Stream.of(\"a\", null, \"c\").toList()");
        expr("stream iterate limit skip distinct",
                "Stream.iterate(1, i -> i * 3).limit(6).skip(1).map(i -> i % 5).distinct().toList()");
        expr("parallel IntStream with a lambda",
                "IntStream.rangeClosed(1, 100).parallel().map(i -> i * 2).sum()");
        expr("collectingAndThen to a TreeSet",
                "Arrays.stream(\"d b a c b\".split(\" \")).collect(Collectors.toCollection(TreeSet::new))");
        expr("reduce with identity and combiner",
                "Stream.of(\"a\", \"b\", \"c\").reduce(\"\", (acc, s) -> s + acc, String::concat)");
        expr("groupingBy into an EnumMap with summingInt",
                "Stream.of(new K36T(K36Kind.FRUIT, 2), new K36T(K36Kind.VEG, 5), new K36T(K36Kind.FRUIT, 3))"
                        + ".collect(Collectors.groupingBy(K36T::kind, () -> new EnumMap<>(K36Kind.class), Collectors.summingInt(K36T::n)))",
                "enum K36Kind { FRUIT, VEG }",
                "record K36T(K36Kind kind, int n) {}");

        // -- records
        expr("record with a compact constructor",
                "new K37Range(9, 2)",
                "record K37Range(int lo, int hi) { public K37Range { if (lo > hi) { int t = lo; lo = hi; hi = t; } } }");
        expr("record with a static factory",
                "K38Money.of(\"1.25\").plus(K38Money.of(\"2.50\"))",
                "record K38Money(long cents) { static K38Money of(String s) { return new K38Money(new BigDecimal(s).movePointRight(2).longValueExact()); } "
                        + "K38Money plus(K38Money o) { return new K38Money(cents + o.cents); } }");
        expr("nested record",
                "List.of(new K39Line(new K39Line.Pt(0, 0), new K39Line.Pt(3, 4)), new K39Line(new K39Line.Pt(1, 1), new K39Line.Pt(4, 5)).len2())",
                "record K39Line(K39Line.Pt a, K39Line.Pt b) { record Pt(int x, int y) {} "
                        + "int len2() { int dx = b.x() - a.x(), dy = b.y() - a.y(); return dx * dx + dy * dy; } }");
        expr("record implementing an interface with a default method",
                "Stream.of(new K40Circle(1), new K40Sq(2)).map(K40Shape::describe).toList()",
                "interface K40Shape { double area(); default String describe() { return getClass().getSimpleName() + \" \" + String.format(Locale.ROOT, \"%.2f\", area()); } }",
                "record K40Circle(double r) implements K40Shape { public double area() { return Math.PI * r * r; } }",
                "record K40Sq(double s) implements K40Shape { public double area() { return s * s; } }");
        expr("records as set elements",
                "Set.copyOf(List.of(new K41Key(\"x\", 1), new K41Key(\"x\", 1), new K41Key(\"y\", 2))).size()",
                "record K41Key(String a, int b) {}");
        expr("generic record",
                "new K42Pair<>(\"k\", 1).withSecond(List.of(2, 3))",
                "record K42Pair<A, B>(A first, B second) { <C> K42Pair<A, C> withSecond(C c) { return new K42Pair<>(first, c); } }");
        expr("record held in a top-level variable",
                "k43cfg.host() + \":\" + k43cfg.port()",
                "record K43Cfg(String host, int port) {}",
                "var k43cfg = new K43Cfg(\"db\", 5432);");

        // -- enums
        expr("enum with fields and a method",
                "Arrays.stream(K44Planet.values()).map(p -> p + String.format(Locale.ROOT, \"=%.2f\", p.gravity())).toList()",
                "enum K44Planet { MERCURY(3.303e+23, 2.4397e6), EARTH(5.976e+24, 6.37814e6); final double mass, radius; "
                        + "K44Planet(double m, double r) { mass = m; radius = r; } double gravity() { return 6.67300E-11 * mass / (radius * radius); } }");
        expr("enum with constant bodies",
                "Arrays.stream(K45Op.values()).map(op -> op.name() + \":\" + op.apply(6, 7)).toList()",
                "enum K45Op { ADD { int apply(int a, int b) { return a + b; } }, MUL { int apply(int a, int b) { return a * b; } }; abstract int apply(int a, int b); }");
        expr("enum valueOf and values as a result",
                "List.of(K46Color.valueOf(\"BLUE\"), K46Color.values().length, K46Color.GREEN.ordinal())",
                "enum K46Color { RED, GREEN, BLUE }");
        expr("EnumMap",
                "new EnumMap<>(Map.of(K47Day.WED, 3, K47Day.MON, 1))",
                "enum K47Day { MON, TUE, WED }");
        expr("EnumSet complementOf",
                "EnumSet.complementOf(EnumSet.of(K48Perm.WRITE))",
                "enum K48Perm { READ, WRITE, EXEC }");
        expr("switch on an enum",
                "Arrays.stream(K49Size.values()).map(s -> switch (s) { case S -> \"small\"; case M -> \"medium\"; case L -> \"large\"; }).toList()",
                "enum K49Size { S, M, L }");

        // -- interfaces
        expr("interface with default and static methods",
                "K50Greeter.of(\"ops\").greet()",
                "interface K50Greeter { String name(); default String greet() { return \"hello \" + name(); } static K50Greeter of(String n) { return () -> n; } }");
        expr("interface with a private static method",
                "K51Codec.enc(\"abc\")",
                "interface K51Codec { static String enc(String s) { return wrap(new StringBuilder(s).reverse().toString()); } private static String wrap(String s) { return \"<\" + s + \">\"; } }");
        expr("class hierarchy with super calls",
                "Stream.of(new K52Animal(), new K52Dog(), new K52Puppy()).map(K52Animal::speak).toList()",
                "class K52Animal { String sound() { return \"...\"; } String speak() { return getClass().getSimpleName() + \" says \" + sound(); } }",
                "class K52Dog extends K52Animal { @Override String sound() { return \"woof\"; } }",
                "class K52Puppy extends K52Dog { @Override String sound() { return super.sound() + \"!\"; } }");

        // -- anonymous and local classes
        expr("anonymous class with its own method",
                "new Object() { int twice(int x) { return 2 * x; } }.twice(21)");
        expr("anonymous Comparator",
                "Stream.of(\"b\", \"c\", \"a\").sorted(new Comparator<String>() { public int compare(String x, String y) { return y.compareTo(x); } }).toList()");
        expr("anonymous subclass of a prompt abstract class",
                "new K55Base() { int v() { return 40; } }.plus(2)",
                "abstract class K55Base { abstract int v(); int plus(int k) { return v() + k; } }");
        expr("local class inside a prompt method",
                "k56tally(\"a\", \"bb\", \"cc\", \"ddd\")",
                "String k56tally(String... words) { class Acc { final Map<Integer, Integer> byLen = new TreeMap<>(); "
                        + "void add(String w) { byLen.merge(w.length(), 1, Integer::sum); } } "
                        + "Acc acc = new Acc(); for (String w : words) acc.add(w); return acc.byLen.toString(); }");
        expr("local record inside a prompt method",
                "k57pairs()",
                "List<String> k57pairs() { record P(String k, int v) {} return Stream.of(new P(\"a\", 1), new P(\"b\", 2)).map(P::toString).toList(); }");
        expr("static nested class",
                "K58Outer.count(5) + new K58Outer.Counter().inc().inc().get()",
                "class K58Outer { static class Counter { private int n; Counter inc() { n++; return this; } int get() { return n; } } "
                        + "static int count(int times) { Counter c = new Counter(); for (int i = 0; i < times; i++) c.inc(); return c.get(); } }");
        expr("inner class reaching its outer instance",
                "new K59Bank().run()",
                "class K59Bank { int total; class Account { void deposit(int k) { total += k; } } "
                        + "int run() { Account a = new Account(), b = new Account(); a.deposit(5); b.deposit(7); return total; } }");
        expr("generic class declared at the prompt",
                "new K60Box<String>().add(\"kiwi\").add(\"apple\").add(\"melon\").max()",
                "class K60Box<T extends Comparable<T>> { private final List<T> items = new ArrayList<>(); "
                        + "K60Box<T> add(T t) { items.add(t); return this; } T max() { return Collections.max(items); } }");
        block("instance of a generic prompt class as the result",
                "var s = new K61Stack<Integer>(); s.push(1); s.push(2); s.push(3); s.pop(); return s;",
                "class K61Stack<T> { private final ArrayDeque<T> d = new ArrayDeque<>(); void push(T t) { d.push(t); } "
                        + "T pop() { return d.pop(); } public String toString() { return \"Stack\" + d; } }");
        expr("static fields of a prompt class",
                "K62Conf.show()",
                "class K62Conf { static final String NAME = \"cfg\"; static int level = 3; static String show() { return NAME + level; } }",
                "K62Conf.level = 7;");

        // -- switch, patterns, text blocks, var
        expr("switch arrow with several labels",
                "IntStream.range(0, 4).mapToObj(i -> switch (i) { case 0 -> \"zero\"; case 1, 2 -> \"few\"; default -> \"many\"; }).toList()");
        expr("switch with yield",
                "IntStream.of(1, 5, 10).mapToObj(i -> switch (i % 4) { case 1: yield \"one\"; default: { String s = \"other\" + i; yield s; } }).toList()");
        expr("switch on strings",
                "Stream.of(\"GET\", \"POST\", \"HEAD\", \"BREW\").map(m -> switch (m) { case \"GET\", \"HEAD\" -> 0; case \"POST\" -> 1; default -> -1; }).toList()");
        expr("switch expression on a top-level variable",
                "switch (k66code / 100) { case 2 -> \"ok\"; case 4 -> \"client error\"; case 5 -> \"server error\"; default -> \"?\"; }",
                "int k66code = 404;");
        expr("pattern matching instanceof",
                "Stream.<Object>of(1, \"two\", 3.0, List.of(4)).map(o -> o instanceof Integer i ? \"int \" + (i + 1) "
                        + ": o instanceof String s && s.length() == 3 ? \"str \" + s.toUpperCase() "
                        + ": o instanceof List<?> l ? \"list of \" + l.size() : \"other \" + o).toList()");
        expr("text block",
                "\"\"\"\n    alpha\n      beta\n    gamma\n    \"\"\".lines().map(String::strip).toList()");
        expr("text block formatted",
                "\"\"\"\n    {\"name\": \"%s\", \"n\": %d}\n    \"\"\".formatted(\"x\", 3)");
        expr("var at the top level",
                "k70m.get(\"a\").size() + k70m.firstKey()",
                "var k70m = new TreeMap<String, List<Integer>>(Map.of(\"a\", List.of(1, 2)));");
        block("var inside the lambda",
                "var xs = new ArrayList<String>(); for (var s : List.of(\"p\", \"q\")) xs.add(s + s); var n = xs.size(); return xs + \"/\" + n;");

        // -- try-with-resources and exceptions
        block("try-with-resources on a BufferedReader",
                "try (var r = new BufferedReader(new StringReader(\"l1\\nl2\\nl3\"))) { return r.lines().map(String::toUpperCase).toList(); } "
                        + "catch (IOException e) { return List.of(); }");
        expr("try-with-resources on an AutoCloseable record",
                "k73use()",
                "record K73Res(List<String> log) implements AutoCloseable { public void close() { log.add(\"closed\"); } }",
                "List<String> k73use() { var log = new ArrayList<String>(); try (var r = new K73Res(log)) { log.add(\"used\"); } return log; }");
        block("exception caught inside the lambda",
                "try { return Integer.parseInt(\"x1\"); } catch (NumberFormatException e) { return \"caught \" + e.getMessage(); }");
        expr("custom exception class caught in a prompt method",
                "List.of(k75try(1), k75try(5))",
                "class K75Err extends RuntimeException { K75Err(String m) { super(m); } }",
                "String k75try(int n) { try { if (n > 2) throw new K75Err(\"too big: \" + n); return \"ok \" + n; } catch (K75Err e) { return e.getMessage(); } }");
        block("multi-catch and finally in a loop",
                "StringBuilder sb = new StringBuilder(); for (String s : Arrays.asList(\"1\", \"x\", null)) { "
                        + "try { sb.append(Integer.parseInt(s.strip()) + 1); } catch (NumberFormatException | NullPointerException e) { sb.append('!'); } "
                        + "finally { sb.append(';'); } } return sb.toString();");
        block("Math.addExact overflow caught",
                "try { return Math.addExact(Integer.MAX_VALUE, 1); } catch (ArithmeticException e) { return e.getMessage(); }");

        // -- captured arrays and collections
        expr("top-level int[] read by the lambda",
                "Arrays.stream(k78arr).map(i -> i * 2).sum()",
                "int[] k78arr = {5, 3, 8};");
        expr("top-level List with its current contents",
                "k79names.stream().map(String::toUpperCase).toList()",
                "List<String> k79names = new ArrayList<>(List.of(\"ann\", \"bob\"));",
                "k79names.add(\"cy\");");
        expr("top-level Map entrySet stream",
                "k80stock.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).sorted().toList()",
                "Map<String, Integer> k80stock = new HashMap<>(Map.of(\"apples\", 3, \"pears\", 0, \"plums\", 5));");
        expr("top-level variable read through a prompt method",
                "Stream.of(\"a\", \"b\").map(s -> k81label(s)).toList()",
                "String k81env = \"prod\";",
                "String k81label(String s) { return k81env + \"/\" + s; }");
        inside("remote call inside a method capturing effectively final locals",
                "k82scaled(" + CTX + ", 3)",
                "List<Integer> k82scaled(Context ctx, int factor) throws Exception { int[] base = {1, 2, 3}; "
                        + "List<Integer> extra = new ArrayList<>(List.of(10)); "
                        + "RemoteCallable<List<Integer>> job = () -> IntStream.concat(Arrays.stream(base), extra.stream().mapToInt(Integer::intValue))"
                        + ".map(i -> i * factor).boxed().toList(); "
                        + "return ctx == null ? job.call() : ctx.call(job); }");
        inside("remote call inside a generic method",
                "k83sorted(" + CTX + ", List.of(\"pear\", \"apple\", \"fig\"))",
                "<T extends Comparable<T>> List<T> k83sorted(Context ctx, List<T> xs) throws Exception { "
                        + "RemoteCallable<List<T>> job = () -> xs.stream().sorted().toList(); return ctx == null ? job.call() : ctx.call(job); }");
        inside("remote call inside a generic method given a lambda",
                "k84apply(" + CTX + ", \"abc\", s -> new StringBuilder(s).reverse().toString())",
                "<T, R> R k84apply(Context ctx, T in, RemoteFunction<T, R> f) throws Exception { "
                        + "return ctx == null ? f.apply(in) : ctx.call(() -> f.apply(in)); }");
        inside("remote call inside a method, plain capture",
                "k85square(" + CTX + ", 12)",
                "int k85square(Context ctx, int x) throws Exception { RemoteCallable<Integer> job = () -> x * x; return ctx == null ? job.call() : ctx.call(job); }");
        inside("remote call inside a method using a local class",
                "k86words(" + CTX + ", \"the quick brown the fox the\")",
                "String k86words(Context ctx, String text) throws Exception { RemoteCallable<String> job = () -> { "
                        + "class Count { final Map<String, Integer> m = new TreeMap<>(); } Count c = new Count(); "
                        + "for (String w : text.split(\" \")) c.m.merge(w, 1, Integer::sum); return c.m.toString(); }; "
                        + "return ctx == null ? job.call() : ctx.call(job); }");

        // -- /on
        on("/on an arithmetic expression", "6 * 7");
        on("/on a stream with a lambda", "IntStream.range(0, 5).map(i -> i * i).sum()");
        on("/on a prompt method", "k89hi(\"there\")",
                "String k89hi(String w) { return \"hi \" + w; }");
        on("/on a top-level variable", "k90base + 1", "long k90base = 41;");

        // -- Optional, StringBuilder, String formatting, regex
        expr("Optional chain",
                "Optional.of(\"  x \").map(String::strip).filter(s -> !s.isEmpty()).map(s -> s + \"!\").orElse(\"none\") "
                        + "+ Optional.empty().or(() -> Optional.of(\"alt\")).get()");
        expr("Optional as the result",
                "Optional.of(List.of(1)).flatMap(l -> l.stream().findFirst())");
        expr("StringBuilder reverse insert",
                "new StringBuilder(\"abc\").reverse().insert(0, '[').append(']').toString()");
        expr("StringBuilder as the result",
                "new StringBuilder(\"sb\").append(42)");
        expr("String.format and formatted",
                "List.of(String.format(Locale.ROOT, \"%-5s|%05d|%.3f|%x\", \"ab\", 42, Math.E, 255), \"%s=%d\".formatted(\"n\", 7))");
        expr("regex Matcher results",
                "Pattern.compile(\"(\\\\w+)@(\\\\w+)\\\\.com\").matcher(\"ann@foo.com, bob@bar.com\").results()"
                        + ".map(m -> m.group(2) + \":\" + m.group(1)).toList()");
        block("regex Matcher find loop",
                "Matcher m = Pattern.compile(\"(\\\\d+)-(\\\\d+)\").matcher(\"1-2 30-40\"); List<Object> out = new ArrayList<>(); "
                        + "while (m.find()) out.add(Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2))); "
                        + "out.add(\"a1b22c333\".replaceAll(\"\\\\d+\", \"#\")); return out;");
        expr("String methods",
                "List.of(\"  pad \".strip(), \"ab\".repeat(3), String.join(\"-\", \"a\", \"b\"), \"a,b,,c\".split(\",\").length, "
                        + "\"Hello\".chars().filter(Character::isUpperCase).count(), \"x\".isBlank())");

        // -- concurrency and processes
        expr("CompletableFuture supplyAsync thenApply thenCombine join",
                "CompletableFuture.supplyAsync(() -> 20).thenApply(x -> x + 1).thenCombine(CompletableFuture.supplyAsync(() -> 2), (a, b) -> a * b).join()");
        block("CompletableFuture allOf",
                "var fs = IntStream.range(0, 4).mapToObj(i -> CompletableFuture.supplyAsync(() -> i * i)).toList(); "
                        + "CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).join(); return fs.stream().map(CompletableFuture::join).toList();");
        block("ExecutorService invokeAll",
                "ExecutorService ex = Executors.newFixedThreadPool(2); try { List<Callable<String>> tasks = List.of(() -> \"a\", () -> \"b\", () -> \"c\"); "
                        + "List<String> out = new ArrayList<>(); for (Future<String> f : ex.invokeAll(tasks)) out.add(f.get()); return out; } "
                        + "finally { ex.shutdown(); }");
        block("AtomicInteger updated from a forEach lambda",
                "java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger(); "
                        + "IntStream.range(0, 10).forEach(i -> n.addAndGet(i)); return n.get();");
        expr("ProcessBuilder echo",
                "new String(new ProcessBuilder(\"echo\", \"hi\").start().getInputStream().readAllBytes()).strip()");

        // -- java.time, math, ids, paths
        expr("LocalDate plusDays as a String",
                "LocalDate.of(2024, 2, 28).plusDays(2).toString()");
        expr("LocalDate as the result",
                "LocalDate.of(2024, 2, 28).plusDays(2)");
        expr("Duration ofMinutes",
                "Duration.ofMinutes(90).plusSeconds(30)");
        expr("java.time values: DayOfWeek, Period, Instant",
                "List.of(LocalDateTime.of(2020, 1, 1, 10, 0).plusHours(30).getDayOfWeek(), "
                        + "Period.between(LocalDate.of(2000, 1, 15), LocalDate.of(2024, 3, 1)), Instant.ofEpochSecond(1_700_000_000))");
        expr("ZonedDateTime withZoneSameInstant",
                "ZonedDateTime.of(2024, 6, 1, 12, 0, 0, 0, ZoneId.of(\"Europe/Paris\")).withZoneSameInstant(ZoneOffset.UTC)");
        expr("DateTimeFormatter",
                "LocalDate.of(2024, 1, 5).format(java.time.format.DateTimeFormatter.ofPattern(\"dd/MM/yyyy\"))");
        expr("BigDecimal arithmetic",
                "new BigDecimal(\"10.25\").multiply(new BigDecimal(\"3\")).setScale(1, RoundingMode.HALF_UP).add(BigDecimal.ONE)");
        expr("BigInteger pow mod",
                "BigInteger.TWO.pow(100).mod(BigInteger.valueOf(97))");
        expr("UUID.nameUUIDFromBytes",
                "UUID.nameUUIDFromBytes(\"jitogen\".getBytes(java.nio.charset.StandardCharsets.UTF_8))");
        expr("Path resolve normalize as a String",
                "Path.of(\"/var\", \"log\").resolve(\"../tmp/x.txt\").normalize().toString()");
        expr("Path resolve normalize as the result",
                "Path.of(\"/var\", \"log\").resolve(\"../tmp/x.txt\").normalize()");
        expr("Path getFileName getParent relativize",
                "List.of(Path.of(\"a/b/c.txt\").getFileName().toString(), Path.of(\"a/b/c.txt\").getParent().toString(), "
                        + "Path.of(\"/a/b\").relativize(Path.of(\"/a/c/d\")).toString())");
        expr("URI normalize getPath",
                "URI.create(\"https://example.com/a/b/../c?q=1#frag\").normalize().getPath()");
        expr("URI resolve as the result",
                "URI.create(\"https://example.com:8443/x/\").resolve(\"y/z\")");

        // -- collections
        expr("Map.entry as the result",
                "Map.entry(\"k\", 1)");
        expr("Map.entry in a stream",
                "Stream.of(Map.entry(\"a\", 1), Map.entry(\"b\", 2)).map(e -> e.getKey() + e.getValue()).toList()");
        expr("List.of and Map.of as results",
                "List.of(List.of(1, 2, 3), Map.of(\"a\", 1), new TreeMap<>(Map.of(\"y\", 2, \"x\", 1)))");
        block("int[] sorted as the result",
                "int[] a = {3, 1, 2}; Arrays.sort(a); return a;");
        expr("String[][] as the result",
                "new String[][]{{\"a\", \"b\"}, {\"c\"}}");
        expr("char[] as the result",
                "\"hey\".toCharArray()");
        expr("Arrays.asList as the result",
                "Arrays.asList(\"x\", \"y\", \"z\")");
        block("Arrays.sort with a comparator",
                "String[] a = {\"pear\", \"fig\", \"apple\"}; Arrays.sort(a, Comparator.comparing(String::length).thenComparing(Comparator.reverseOrder())); "
                        + "return String.join(\",\", a);");
        expr("Collections.unmodifiableList",
                "Collections.unmodifiableList(new ArrayList<>(List.of(1, 2)))");
        expr("map.keySet() as the result",
                "k123m.keySet()",
                "Map<String, Integer> k123m = new TreeMap<>(Map.of(\"b\", 2, \"a\", 1));");
        expr("map.values() as the result",
                "k124m.values()",
                "Map<String, Integer> k124m = new TreeMap<>(Map.of(\"b\", 2, \"a\", 1));");
        expr("map.entrySet() as the result",
                "k125m.entrySet()",
                "Map<String, Integer> k125m = new TreeMap<>(Map.of(\"b\", 2, \"a\", 1));");
        expr("map.entrySet().stream() mapped",
                "k126m.entrySet().stream().map(e -> e.getKey() + \"=\" + e.getValue() * 10).toList()",
                "Map<String, Integer> k126m = new TreeMap<>(Map.of(\"b\", 2, \"a\", 1));");
        expr("TreeMap headMap view",
                "new TreeMap<>(Map.of(1, \"a\", 5, \"e\", 9, \"i\")).headMap(6)");
        block("LinkedHashMap computeIfAbsent",
                "Map<String, List<Integer>> m = new LinkedHashMap<>(); for (int i = 0; i < 6; i++) "
                        + "m.computeIfAbsent(i % 2 == 0 ? \"even\" : \"odd\", k -> new ArrayList<>()).add(i); return m;");
        block("PriorityQueue with reverseOrder",
                "PriorityQueue<Integer> pq = new PriorityQueue<>(Comparator.reverseOrder()); pq.addAll(List.of(5, 1, 9, 3)); "
                        + "List<Integer> out = new ArrayList<>(); while (!pq.isEmpty()) out.add(pq.poll()); return out;");
        expr("BitSet as the result",
                "BitSet.valueOf(new long[]{0b101101})");
        expr("IntSummaryStatistics as the result",
                "IntStream.of(3, 1, 4, 1, 5).summaryStatistics()");
        expr("nulls mapped in a stream",
                "Stream.of(1, null, 3).map(x -> x == null ? -1 : x).toList()");

        // -- methods typed at the prompt
        expr("recursion through a prompt method",
                "List.of(k134fib(10), k134fib(25))",
                "long k134fib(int n) { return n < 2 ? n : k134fib(n - 1) + k134fib(n - 2); }");
        expr("mutual recursion through prompt methods over a prompt interface",
                "k135eval(new K135Add(new K135Num(2), new K135Add(new K135Num(3), new K135Num(4))))",
                "interface K135Expr {}",
                "record K135Num(int v) implements K135Expr {}",
                "record K135Add(K135Expr l, K135Expr r) implements K135Expr {}",
                "int k135eval(K135Expr e) { if (e instanceof K135Num n) return n.v(); if (e instanceof K135Add a) return k135side(a.l()) + k135side(a.r()); throw new IllegalArgumentException(); }",
                "int k135side(K135Expr e) { return k135eval(e); }");
        expr("varargs methods",
                "List.of(k136sum(), k136sum(1), k136sum(1, 2, 3), k136list(\"a\", \"b\").size())",
                "int k136sum(int... xs) { return Arrays.stream(xs).sum(); }",
                "@SafeVarargs <T> List<T> k136list(T... xs) { return List.of(xs); }");
        block("labelled loops",
                "int found = -1; outer: for (int i = 0; i < 10; i++) { for (int j = 0; j < 10; j++) { "
                        + "if (j > i) continue outer; if (i * j == 42) { found = i * 100 + j; break outer; } } } return found;");

        // -- numbers and characters
        expr("bit operations",
                "List.of(0b1011 & 0x6, 5 | 8, 6 ^ 3, ~7, -16 >> 2, -16 >>> 28, 1L << 40, Integer.bitCount(255), "
                        + "Long.numberOfTrailingZeros(64), Integer.toBinaryString(42), Integer.reverse(1), Integer.toHexString(-1))");
        expr("char arithmetic",
                "List.of((char) ('a' + 2), 'z' - 'a', Character.toUpperCase('q'), (int) 'A', Character.isDigit('7'))");
        expr("a char as the result",
                "(char) ('x' + 1)");
        expr("Integer caching over 127",
                "List.of(Integer.valueOf(127) == Integer.valueOf(127), Integer.valueOf(128) == Integer.valueOf(128), "
                        + "Integer.valueOf(1000).equals(1000), k141big == 1000, k141big.equals(k141other))",
                "Integer k141big = 1000;",
                "Integer k141other = 1000;");
        expr("boxed values over 127 as the result",
                "List.of(128, 1000, -129, Integer.MAX_VALUE, Long.MIN_VALUE, (short) 300, (byte) -128)");
        expr("Math functions",
                "List.of(Math.floorMod(-7, 3), Math.abs(-2.5), Math.pow(2, 10), Math.sqrt(144), Math.round(2.5), Math.round(-2.5), "
                        + "Math.max(3L, 7L), Math.hypot(3, 4), Math.ceil(-0.5), Math.floorDiv(-7, 2), StrictMath.cbrt(27))");
        expr("numeric division and casts",
                "List.of(7 / 2, 7 / 2.0, 7 % -3, (int) 3.99, (long) 1e18 + 1, 0.1 + 0.2, Double.compare(0.0, -0.0), Float.MIN_VALUE)");
        expr("Random with a seed",
                "List.of(new Random(42).ints(5, 0, 100).boxed().toList(), new Random(7).nextGaussian(), new SplittableRandom(1).nextInt(100))");
        block("Collections.shuffle with a seeded Random",
                "List<Integer> l = new ArrayList<>(List.of(1, 2, 3, 4, 5, 6)); Collections.shuffle(l, new Random(3)); return l;");
        expr("hash codes",
                "List.of(\"jitogen\".hashCode(), Objects.hash(1, \"a\"), Objects.requireNonNullElse(null, \"dflt\"), List.of(1, 2).hashCode())");
        return shapes;
    }
}
