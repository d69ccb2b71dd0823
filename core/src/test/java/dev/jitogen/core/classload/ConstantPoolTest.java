package dev.jitogen.core.classload;

import dev.jitogen.core.fixtures.Disk;
import dev.jitogen.core.fixtures.Shouter;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ConstantPoolTest {
    /** Refers to other classes in every way a class file can: new, static call, field type, generics, annotations. */
    @SuppressWarnings("unused")
    static final class Referrer {
        Disk field;
        Map<String, List<Shouter>> generic;
        static int counter;

        int bump() {
            return ++counter;
        }

        @Deprecated
        Object make() {
            return new StringBuilder(Shouter.shout("x"));
        }
    }

    /** Extends a class and implements two interfaces, for {@link ConstantPool#superTypes}. */
    @SuppressWarnings("serial")
    abstract static class Sub extends java.io.IOException implements Runnable, Comparable<Sub> {}

    @Test
    void superTypesAreTheSuperclassThenTheInterfacesAndGarbageIsRefused() throws Exception {
        byte[] sub;
        try (InputStream in = Sub.class.getResourceAsStream("ConstantPoolTest$Sub.class")) {
            sub = in.readAllBytes();
        }
        assertEquals(List.of("java/io/IOException", "java/lang/Runnable", "java/lang/Comparable"),
                ConstantPool.superTypes(sub));
        byte[] object;
        try (InputStream in = Object.class.getResourceAsStream("Object.class")) {
            object = in.readAllBytes();
        }
        assertEquals(java.util.Arrays.asList((String) null), ConstantPool.superTypes(object));
        // cut inside its constant pool, or not a class file at all: refused, never read past the end
        for (int cut : new int[]{40, 3}) {
            byte[] part = java.util.Arrays.copyOf(sub, cut);
            assertThrows(IllegalArgumentException.class, () -> ConstantPool.superTypes(part));
        }
    }

    @Test
    void findsClassesNamedInInstructionsDescriptorsAndSignatures() throws Exception {
        byte[] b;
        try (InputStream in = Referrer.class.getResourceAsStream("ConstantPoolTest$Referrer.class")) {
            b = in.readAllBytes();
        }
        Set<String> refs = ConstantPool.referencedClasses(b);
        assertTrue(refs.contains(Disk.class.getName()), refs.toString());
        assertTrue(refs.contains(Shouter.class.getName()), refs.toString());
        assertTrue(refs.contains("java.lang.StringBuilder"), refs.toString());
        assertTrue(refs.contains("java.util.Map"), refs.toString());
        assertTrue(refs.contains("java.lang.Deprecated"), refs.toString());
        assertTrue(refs.contains(ConstantPoolTest.class.getName()), refs.toString());
    }

    /** Names {@link Shouter} only through method handles: a method reference and a lambda's bootstrap arguments. */
    @SuppressWarnings("unused")
    static final class HandleUser {
        java.util.function.BinaryOperator<Integer> adder() {
            return Shouter::add;
        }

        java.util.function.Supplier<Object> maker() {
            return StringBuilder::new;
        }

        Runnable runner() {
            return () -> Shouter.shout("x");
        }
    }

    @Test
    void readsAClassWithMethodHandlesAndFindsWhatTheHandlesName() throws Exception {
        byte[] b;
        try (InputStream in = HandleUser.class.getResourceAsStream("ConstantPoolTest$HandleUser.class")) {
            b = in.readAllBytes();
        }
        Set<String> refs = ConstantPool.referencedClasses(b);
        assertTrue(refs.contains(Shouter.class.getName()), refs.toString());
        assertTrue(refs.contains("java.lang.StringBuilder"), refs.toString());
        assertTrue(refs.contains("java.lang.invoke.LambdaMetafactory"), refs.toString());
    }

    @Test
    void readsEveryClassOfJavaBase() throws Exception {
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        List<Path> classes;
        try (Stream<Path> files = Files.walk(jrt.getPath("/modules/java.base"))) {
            classes = files.filter(f -> f.toString().endsWith(".class")).collect(Collectors.toList());
        }
        assertTrue(classes.size() > 5000, "java.base has thousands of classes: " + classes.size());
        int handles = 0;
        for (Path f : classes) {
            byte[] b = Files.readAllBytes(f);
            Set<String> refs = assertDoesNotThrow(() -> ConstantPool.referencedClasses(b), f.toString());
            if (f.toString().endsWith("/java/util/stream/Collectors.class")) {
                // full of method references (HashMap::new, Map::put...) and lambdas
                assertTrue(refs.containsAll(Set.of("java.util.HashMap", "java.util.stream.Collector",
                        "java.lang.invoke.LambdaMetafactory")), refs.toString());
                handles++;
            }
        }
        assertEquals(1, handles, "Collectors was among them");
    }

    @Test
    void refusesAConstantPoolEntryThatPointsAtTheWrongKindOfEntry() {
        // pool: #1 Class -> #2, #2 Integer (a class must name a UTF-8 entry)
        byte[] b = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61, 0, 3, 7, 0, 2, 3, 0, 0, 0, 1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConstantPool.referencedClasses(b));
        assertTrue(e.getMessage().contains("entry 1"), e.getMessage());
    }

    @Test
    void refusesATruncatedClassFile() {
        byte[] b = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61, 0, 3, 15, 6};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConstantPool.referencedClasses(b));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void refusesSomethingThatIsNotAClassFile() {
        assertThrows(IllegalArgumentException.class, () -> ConstantPool.referencedClasses(new byte[]{1, 2, 3, 4, 0, 0, 0, 0, 0, 0}));
    }
}
