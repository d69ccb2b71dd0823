package dev.jitogen.core;

import dev.jitogen.core.classload.ConstantPool;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Core travels to every child: it may use the JDK, itself and Kryo (with what Kryo brings), nothing else. */
class CoreDependenciesTest {
    private static final List<String> ALLOWED = List.of("java.", "javax.", "jdk.", "sun.", "dev.jitogen.core.",
            "dev.jitogen.bootstrap.", "com.esotericsoftware.", "org.objenesis.");

    @Test
    void coreClassesReferOnlyToTheJdkAndKryo() throws IOException {
        Map<String, List<String>> outside = new TreeMap<>();
        Map<String, byte[]> classes = coreClasses();
        assertTrue(classes.containsKey("dev/jitogen/core/Router.class"), classes.keySet().toString());
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            for (String ref : ConstantPool.referencedClasses(c.getValue())) {
                if (ALLOWED.stream().anyMatch(ref::startsWith)) continue;
                outside.computeIfAbsent(ref, k -> new ArrayList<>()).add(c.getKey());
            }
        }
        assertEquals(Map.of(), outside, "core refers to classes outside the JDK and Kryo (ASM and the like belong in "
                + "the shell)");
    }

    /** Core's class files by path, from its classes directory or jar. */
    private static Map<String, byte[]> coreClasses() throws IOException {
        Path where = Path.of(URI.create(Router.class.getProtectionDomain().getCodeSource().getLocation().toString()));
        Map<String, byte[]> out = new TreeMap<>();
        if (Files.isDirectory(where)) {
            try (Stream<Path> files = Files.walk(where)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
                    out.put(where.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                }
            }
            return out;
        }
        try (JarFile jar = new JarFile(where.toFile())) {
            for (JarEntry e : java.util.Collections.list(jar.entries())) {
                if (!e.getName().endsWith(".class")) continue;
                try (InputStream in = jar.getInputStream(e)) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }
}
