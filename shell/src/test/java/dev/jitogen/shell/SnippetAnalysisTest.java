package dev.jitogen.shell;

import dev.jitogen.core.StaticState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.lang.invoke.SerializedLambda;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which top-level variables a function may read, for code shaped the way JShell compiles it: a wrapper class per
 * snippet ({@code REPL.$JShell$N}) holding top-level variables and methods as statics, and types typed at the prompt
 * as classes nested in their wrapper. The classes are compiled here with {@code -g}, as the shell compiles snippets.
 */
class SnippetAnalysisTest {
    /** Top-level variables, as JShell keeps them. */
    private static final String VARIABLES = """
            package REPL;

            public class $JShell$1 {
                public static int limit;
                public static int factor;
                public static String suffix;
                public static String greeting;
                public static Object unused;
                public static Object shared;

                /** Makes an object of a snippet class without naming the class in bytecode. */
                public static Object make(String simpleName) throws Exception {
                    return Class.forName("REPL.$JShell$2$" + simpleName).getDeclaredConstructor().newInstance();
                }
            }
            """;

    /** Types and methods typed at the prompt, and the functions under test (each a public static method). */
    private static final String SNIPPETS = """
            package REPL;

            import static REPL.$JShell$1.*;

            import dev.jitogen.core.RemoteCallable;
            import java.util.*;
            import java.util.stream.*;

            public class $JShell$2 {
                public static class Greeter {
                    public Greeter() {}
                    public String hello() { return greeting + "!"; }
                    public String greet(String who) { return greeting + " " + who; }
                    public RemoteCallable<String> later(String who) { return () -> greet(who); }
                    @Override public String toString() { return hello(); }
                }
                public static class Util {
                    static String addSuffix(String s) { return s + suffix; }
                }
                public static class Box {
                    final int size;
                    Box(String s) { size = s.length() + limit; }
                }
                public record Point(int x) { int shifted() { return x + limit; } }
                public enum Op {
                    PLUS { int apply(int a) { return a + limit; } },
                    TIMES { int apply(int a) { return a * factor; } };
                    abstract int apply(int a);
                }
                public interface Named { default String name() { return suffix; } }
                public static class Thing implements Named {}
                public interface Shape { int area(); }
                public static class Square implements Shape {
                    public Square() {}
                    public int area() { return limit * limit; }
                }
                public static class Resource implements AutoCloseable {
                    String read() { return "r"; }
                    @Override public void close() { greeting.length(); }
                }
                public static class Config {
                    static final List<String> NAMES = new ArrayList<>();
                    static int current;
                }

                static int triple(int x) { return x * factor; }
                static <T> List<T> repeat(T x) { return Collections.nCopies(limit, x); }

                public static RemoteCallable<Object> staticRefToANestedClass() {
                    return () -> Stream.of("a").map(Util::addSuffix).collect(Collectors.toList());
                }
                public static RemoteCallable<Object> staticRefToATopLevelMethod() {
                    return () -> Stream.of(1).map($JShell$2::triple).collect(Collectors.toList());
                }
                public static RemoteCallable<Object> boundRef() {
                    return () -> Stream.of("x").map(((Greeter) make("Greeter"))::greet).collect(Collectors.toList());
                }
                public static RemoteCallable<Object> unboundRef() {
                    return () -> Stream.of((Greeter) make("Greeter")).map(Greeter::hello).collect(Collectors.toList());
                }
                public static RemoteCallable<Object> constructorRef() {
                    return () -> Stream.of("ab").map(Box::new).map(b -> b.size).collect(Collectors.toList());
                }
                public static RemoteCallable<Object> lambdasThreeDeep() {
                    return () -> Stream.of(1).map(a -> Stream.of(a).map(b -> Stream.of(b).map(c -> c + limit)
                            .findFirst().get()).findFirst().get()).collect(Collectors.toList());
                }
                public static RemoteCallable<Object> anonymousClass() {
                    return new RemoteCallable<Object>() {
                        public Object call() { return limit; }
                    };
                }
                public static RemoteCallable<Object> anonymousClassInALambda() {
                    return () -> new java.util.function.Supplier<Integer>() {
                        public Integer get() { return factor; }
                    }.get();
                }
                public static RemoteCallable<Object> localClass() {
                    class Counter {
                        int next() { return limit + 1; }
                    }
                    return () -> new Counter().next();
                }
                public static RemoteCallable<Object> recordClass() {
                    return () -> new Point(1).shifted();
                }
                public static RemoteCallable<Object> enumConstantBodies() {
                    return () -> Op.PLUS.apply(1);
                }
                public static RemoteCallable<Object> interfaceDefaultMethod() {
                    return () -> new Thing().name();
                }
                public static RemoteCallable<Object> switchExpression() {
                    return () -> switch (suffix) {
                        case "!" -> limit;
                        default -> factor;
                    };
                }
                public static RemoteCallable<Object> tryWithResources() {
                    return () -> {
                        try (Resource r = new Resource()) {
                            return r.read();
                        }
                    };
                }
                public static RemoteCallable<Object> genericMethod() {
                    return () -> repeat("x");
                }
                public static RemoteCallable<Object> virtualCallOnASnippetInterface() {
                    return () -> ((Shape) make("Square")).area();
                }
                public static RemoteCallable<Object> finalAndNonFinalStatics() {
                    return () -> Config.NAMES.size() + Config.current;
                }
                public static RemoteCallable<Object> readsSharedAsAnObject() {
                    return () -> shared.toString();
                }
                /** Like do_it$: the statement mentions a variable the lambda does not read. */
                public static RemoteCallable<Object> statement() {
                    Object mentioned = unused;
                    return () -> limit;
                }
                public static RemoteCallable<Object> captures(Object value) {
                    return () -> value.toString();
                }
                public static RemoteCallable<String> who(Thread t, String prefix) {
                    return () -> prefix + t.getName();
                }
            }
            """;

    @TempDir
    static Path classes;
    private static SnippetLoader loader;
    private static Class<?> variables;
    private static Class<?> snippets;
    private SnippetStatics statics;

    @BeforeAll
    static void compile() throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> sources = List.of(source("REPL/$JShell$1", VARIABLES), source("REPL/$JShell$2", SNIPPETS));
        boolean ok = javac.getTask(null, null, diagnostics, List.of("-g", "--release", "17", "-classpath",
                System.getProperty("java.class.path"), "-d", classes.toString()), null, sources).call();
        assertTrue(ok, diagnostics.getDiagnostics().toString());
        loader = new SnippetLoader(SnippetAnalysisTest.class.getClassLoader());
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
                String name = classes.relativize(f).toString().replace(".class", "").replace('/', '.');
                loader.add(name, Files.readAllBytes(f));
            }
        }
        loader.add("REPL.$JShell$3", handleConstants());
        variables = Class.forName("REPL.$JShell$1", true, loader);
        snippets = Class.forName("REPL.$JShell$2", true, loader);
    }

    private static JavaFileObject source(String path, String text) {
        return new SimpleJavaFileObject(URI.create("string:///" + path + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }
        };
    }

    @BeforeEach
    void fresh() throws Exception {
        statics = new SnippetStatics(loader);
        variables.getField("suffix").set(null, "!");
        variables.getField("greeting").set(null, "hi");
        variables.getField("shared").set(null, null);
    }

    private Object function(String name, Object... args) throws Exception {
        for (java.lang.reflect.Method m : snippets.getMethods()) {
            if (m.getName().equals(name)) return m.invoke(null, args);
        }
        throw new AssertionError("no function " + name);
    }

    /** The names of the variables that would be sent with {@code function}. */
    private Set<String> sent(Object function) {
        return statics.valuesFor(function).stream().map(StaticState.FieldValue::variable)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private Set<String> sent(String function) throws Exception {
        return sent(function(function));
    }

    @Test
    void aStaticMethodReferenceToAClassTypedAtThePromptIsFollowed() throws Exception {
        assertEquals(Set.of("suffix"), sent("staticRefToANestedClass"));
    }

    @Test
    void aStaticMethodReferenceToATopLevelMethodIsFollowed() throws Exception {
        assertEquals(Set.of("factor"), sent("staticRefToATopLevelMethod"));
    }

    @Test
    void aBoundMethodReferenceIsFollowed() throws Exception {
        assertEquals(Set.of("greeting"), sent("boundRef"));
    }

    @Test
    void anUnboundMethodReferenceIsFollowed() throws Exception {
        assertEquals(Set.of("greeting"), sent("unboundRef"));
    }

    @Test
    void aConstructorReferenceIsFollowed() throws Exception {
        assertEquals(Set.of("limit"), sent("constructorRef"));
    }

    @Test
    void lambdasNestedThreeDeepAreFollowed() throws Exception {
        assertEquals(Set.of("limit"), sent("lambdasThreeDeep"));
    }

    @Test
    void anAnonymousClassAsTheFunctionIsFollowedThroughAllItsMethods() throws Exception {
        assertEquals(Set.of("limit"), sent("anonymousClass"));
    }

    @Test
    void anAnonymousClassMadeInsideTheLambdaIsFollowed() throws Exception {
        assertEquals(Set.of("factor"), sent("anonymousClassInALambda"));
    }

    @Test
    void aLocalClassIsFollowed() throws Exception {
        assertEquals(Set.of("limit"), sent("localClass"));
    }

    @Test
    void aRecordIsFollowed() throws Exception {
        assertEquals(Set.of("limit"), sent("recordClass"));
    }

    @Test
    void everyConstantBodyOfAnEnumIsFollowed() throws Exception {
        assertEquals(Set.of("limit", "factor"), sent("enumConstantBodies"), "virtual dispatch may reach either body");
    }

    @Test
    void anInterfaceDefaultMethodIsFollowed() throws Exception {
        assertEquals(Set.of("suffix"), sent("interfaceDefaultMethod"));
    }

    @Test
    void aSwitchExpressionIsFollowed() throws Exception {
        assertEquals(Set.of("suffix", "limit", "factor"), sent("switchExpression"));
    }

    @Test
    void tryWithResourcesFollowsClose() throws Exception {
        assertEquals(Set.of("greeting"), sent("tryWithResources"));
    }

    @Test
    void aGenericMethodIsFollowed() throws Exception {
        assertEquals(Set.of("limit"), sent("genericMethod"));
    }

    @Test
    void aCallOnASnippetInterfaceFollowsItsSnippetImplementations() throws Exception {
        assertEquals(Set.of("limit"), sent("virtualCallOnASnippetInterface"));
    }

    @Test
    void onlyNonFinalStaticFieldsAreSentAndAClassFieldIsNamedWithItsClass() throws Exception {
        assertEquals(Set.of("Config.current"), sent("finalAndNonFinalStatics"));
    }

    @Test
    void aVariableTheStatementMentionsButTheLambdaDoesNotReadIsNotSent() throws Exception {
        assertEquals(Set.of("limit"), sent("statement"));
    }

    @Test
    void theClassOfASnippetObjectReadFromAVariableIsFollowed() throws Exception {
        variables.getField("shared").set(null, variables.getMethod("make", String.class).invoke(null, "Greeter"));
        assertEquals(Set.of("shared", "greeting"), sent("readsSharedAsAnObject"));
        variables.getField("shared").set(null, List.of(Set.of(variables.getMethod("make", String.class).invoke(null, "Greeter"))));
        assertEquals(Set.of("shared", "greeting"), sent("readsSharedAsAnObject"), "found inside JDK collections too");
        variables.getField("shared").set(null, "just text");
        assertEquals(Set.of("shared"), sent("readsSharedAsAnObject"));
    }

    @Test
    void theClassOfACapturedSnippetObjectIsFollowed() throws Exception {
        Object greeter = variables.getMethod("make", String.class).invoke(null, "Greeter");
        assertEquals(Set.of("greeting"), sent(function("captures", greeter)));
        assertEquals(Set.of(), sent(function("captures", "text")));
    }

    @Test
    void aLambdaInAnInstanceMethodIsFollowedThroughItsCapturedThis() throws Exception {
        Object greeter = variables.getMethod("make", String.class).invoke(null, "Greeter");
        Object later = greeter.getClass().getMethod("later", String.class).invoke(greeter, "you");
        assertEquals(Set.of("greeting"), sent(later));
        assertEquals(List.of("this", "who"), statics.capturedNames(later));
    }

    @Test
    void capturedValuesAreNamedAsInTheSource() throws Exception {
        Thread t = new Thread();
        Object fn = function("who", t, "name: ");
        List<String> names = statics.capturedNames(fn);
        SerializedLambda parts = dev.jitogen.core.serial.Lambdas.serializedForm(fn);
        assertEquals(2, names.size(), names.toString());
        for (int i = 0; i < names.size(); i++) {
            assertEquals(parts.getCapturedArg(i) == t ? "t" : "prefix", names.get(i), names.toString());
        }
        assertEquals(List.of(), statics.capturedNames(function("anonymousClass")), "not a lambda");
    }

    @Test
    void methodHandleConstantsAreFollowed() {
        SnippetAnalysis analysis = new SnippetAnalysis(new SnippetAnalysis.Source() {
            @Override
            public byte[] bytes(String name) {
                return loader.find(name);
            }

            @Override
            public Set<String> names() {
                return loader.names();
            }
        });
        SnippetAnalysis.Walk walk = analysis.walk();
        walk.method(new SnippetAnalysis.Method("REPL.$JShell$3", "handle", "()Ljava/lang/Object;"));
        assertEquals(List.of(new SnippetAnalysis.Field("REPL.$JShell$1", "factor")), walk.next(), "LDC of a method handle");
        walk.method(new SnippetAnalysis.Method("REPL.$JShell$3", "dynamic", "()Ljava/lang/Object;"));
        assertEquals(List.of(new SnippetAnalysis.Field("REPL.$JShell$1", "limit")), walk.next(),
                "a dynamic constant's bootstrap arguments: a static field handle");
        assertEquals(List.of(), walk.next());
    }

    /**
     * A wrapper javac cannot write: {@code handle()} loads a method handle constant to {@code $JShell$2.triple}, and
     * {@code dynamic()} a dynamic constant whose bootstrap argument is a getter handle for {@code $JShell$1.limit}.
     */
    private static byte[] handleConstants() {
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        w.visit(Opcodes.V17, Opcodes.ACC_PUBLIC, "REPL/$JShell$3", null, "java/lang/Object", null);
        MethodVisitor m = w.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "handle", "()Ljava/lang/Object;", null, null);
        m.visitCode();
        m.visitLdcInsn(new Handle(Opcodes.H_INVOKESTATIC, "REPL/$JShell$2", "triple", "(I)I", false));
        m.visitInsn(Opcodes.ARETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        m = w.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "dynamic", "()Ljava/lang/Object;", null, null);
        m.visitCode();
        Handle invoke = new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/ConstantBootstraps", "invoke",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;Ljava/lang/invoke/MethodHandle;"
                        + "[Ljava/lang/Object;)Ljava/lang/Object;", false);
        m.visitLdcInsn(new ConstantDynamic("limit", "Ljava/lang/Object;", invoke,
                new Handle(Opcodes.H_GETSTATIC, "REPL/$JShell$1", "limit", "I", false)));
        m.visitInsn(Opcodes.ARETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        w.visitEnd();
        return w.toByteArray();
    }
}
