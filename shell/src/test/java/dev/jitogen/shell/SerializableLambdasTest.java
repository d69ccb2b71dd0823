package dev.jitogen.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Lambdas of a class rewritten by {@link SerializableLambdas} survive Java's own serialization, which rebuilds them
 * through the class's {@code $deserializeLambda$}, just as Jitogen's codec does in a context: every kind of lambda
 * and method reference, captured primitives of every width, and javac's own serializable lambdas beside them.
 */
class SerializableLambdasTest {
    private static final String SOURCE = """
            import java.util.*;
            import java.util.function.*;
            public class Made {
                public static List<Object> lambdas(int i, long l, double d, String s, boolean b, char c) {
                    Function<Integer, Integer> times = x -> x * i;
                    Supplier<String> mixed = () -> s + l + d + b + c + i;
                    Function<String, Integer> length = String::length;
                    Supplier<String> bound = s::toUpperCase;
                    Supplier<List<String>> make = ArrayList::new;
                    Function<Integer, int[]> array = int[]::new;
                    Runnable javacs = (Runnable & java.io.Serializable) () -> { };
                    Supplier<Supplier<String>> nested = () -> () -> s + "!";
                    return List.of(times, mixed, length, bound, make, array, javacs, nested);
                }
            }
            """;

    @Test
    @SuppressWarnings("unchecked")
    void everyLambdaOfARewrittenClassSurvivesSerialization(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("Made.java");
        Files.writeString(src, SOURCE);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", dir.toString(), src.toString()));
        byte[] original = Files.readAllBytes(dir.resolve("Made.class"));
        byte[] rewritten = SerializableLambdas.of(original);
        assertNotSame(original, rewritten);
        ClassLoader loader = new ClassLoader(null) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (!name.equals("Made")) return Class.forName(name, false, ClassLoader.getPlatformClassLoader());
                return defineClass(name, rewritten, 0, rewritten.length);
            }
        };
        List<Object> made = (List<Object>) loader.loadClass("Made").getMethod("lambdas", int.class, long.class,
                double.class, String.class, boolean.class, char.class).invoke(null, 3, 4L, 0.5, "ab", true, 'z');
        List<Object> back = (List<Object>) roundTrip(made, loader);
        assertEquals(21, ((Function<Integer, Integer>) back.get(0)).apply(7));
        assertEquals("ab40.5truez3", ((Supplier<String>) back.get(1)).get());
        assertEquals(5, ((Function<String, Integer>) back.get(2)).apply("hello"));
        assertEquals("AB", ((Supplier<String>) back.get(3)).get());
        assertEquals(List.of(), ((Supplier<List<String>>) back.get(4)).get());
        assertEquals(4, ((Function<Integer, int[]>) back.get(5)).apply(4).length);
        ((Runnable) back.get(6)).run(); // javac's own, rebuilt by javac's $deserializeLambda$ behind ours
        assertEquals("ab!", ((Supplier<Supplier<String>>) back.get(7)).get().get());
        for (Object o : made) assertTrue(o instanceof Serializable, o.getClass().getName());
    }

    @Test
    void aClassWithoutPlainLambdasIsLeftAsItIs(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("Plain.java");
        Files.writeString(src, "public class Plain { Runnable r = (Runnable & java.io.Serializable) () -> { }; int f() { return 1; } }");
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", dir.toString(), src.toString()));
        byte[] bytes = Files.readAllBytes(dir.resolve("Plain.class"));
        assertSame(bytes, SerializableLambdas.of(bytes));
    }

    private static Object roundTrip(Object value, ClassLoader loader) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        InputStream in = new ByteArrayInputStream(bytes.toByteArray());
        try (ObjectInputStream objects = new ObjectInputStream(in) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                return Class.forName(desc.getName(), false, loader);
            }
        }) {
            return objects.readObject();
        }
    }
}
