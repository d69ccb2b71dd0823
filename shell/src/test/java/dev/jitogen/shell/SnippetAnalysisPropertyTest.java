package dev.jitogen.shell;

import dev.jitogen.core.Router;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The analysis reads whatever javac and the JDK's own build produce: every method of every class of
 * {@code java.base}, and every class compiled by this build, is read and walked as if it were snippet code, with no
 * exception. Classes are taken one package at a time, the package standing in for the snippet classes.
 */
class SnippetAnalysisPropertyTest {
    @Test
    void readsAndWalksEveryMethodOfEveryClassOfJavaBase() throws IOException {
        Path base = FileSystems.getFileSystem(URI.create("jrt:/")).getPath("/modules/java.base");
        int classes = analysePackages(List.of(base));
        assertTrue(classes > 5000, "java.base has thousands of classes: " + classes);
    }

    @Test
    void readsAndWalksEveryClassThisBuildCompiled() throws IOException {
        List<Path> entries = new java.util.ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) entries.add(Path.of(entry));
        for (Class<?> c : List.of(Shell.class, SnippetAnalysisPropertyTest.class, Router.class,
                dev.jitogen.plugins.ssh.SshMethod.class)) {
            entries.add(Path.of(URI.create(c.getProtectionDomain().getCodeSource().getLocation().toString())));
        }
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path p : entries) {
            p = p.toAbsolutePath().normalize();
            if (Files.isDirectory(p)) dirs.add(p);
            // a module of this build on the class path as its jar (core, plugins): its own classes and tests
            Path target = p.getParent();
            if (p.toString().endsWith(".jar") && target != null && target.endsWith("target")
                    && Files.exists(target.resolveSibling("pom.xml"))) {
                for (String d : List.of("classes", "test-classes")) {
                    if (Files.isDirectory(target.resolve(d))) dirs.add(target.resolve(d));
                }
            }
        }
        assertTrue(dirs.stream().anyMatch(d -> d.endsWith(Path.of("shell", "target", "classes"))), dirs.toString());
        assertTrue(dirs.stream().anyMatch(d -> d.endsWith(Path.of("shell", "target", "test-classes"))), dirs.toString());
        int classes = analysePackages(dirs);
        assertTrue(classes > 100, dirs + " hold " + classes + " classes");
    }

    /** Analyses every class file under {@code roots}, grouped by directory (package); returns how many. */
    private static int analysePackages(Iterable<Path> roots) throws IOException {
        int count = 0;
        for (Path root : roots) {
            Map<Path, List<Path>> packages;
            try (Stream<Path> files = Files.walk(root)) {
                packages = files.filter(f -> f.toString().endsWith(".class") && !f.endsWith("module-info.class"))
                        .collect(Collectors.groupingBy(Path::getParent, TreeMap::new, Collectors.toList()));
            }
            for (List<Path> files : packages.values()) {
                Map<String, byte[]> bytes = new TreeMap<>();
                for (Path f : files) {
                    byte[] b = Files.readAllBytes(f);
                    bytes.put(new ClassReader(b).getClassName().replace('/', '.'), b);
                }
                analyse(bytes);
                count += bytes.size();
            }
        }
        return count;
    }

    /** Reads each class, checks every method was read, then walks every method and class as snippet code. */
    private static void analyse(Map<String, byte[]> classes) {
        SnippetAnalysis analysis = new SnippetAnalysis(new SnippetAnalysis.Source() {
            @Override
            public byte[] bytes(String name) {
                return classes.get(name);
            }

            @Override
            public Set<String> names() {
                return classes.keySet();
            }
        });
        SnippetAnalysis.Walk walk = analysis.walk();
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            SnippetAnalysis.ClassInfo info = assertDoesNotThrow(() -> analysis.info(c.getKey()), c.getKey());
            assertEquals(c.getKey(), info.name());
            Set<String> methods = methods(c.getValue());
            assertEquals(methods, info.methods().keySet(), c.getKey());
            for (Map.Entry<String, SnippetAnalysis.Code> m : info.methods().entrySet()) {
                String key = m.getKey();
                int paren = key.indexOf('(');
                SnippetAnalysis.Method method = new SnippetAnalysis.Method(c.getKey(), key.substring(0, paren), key.substring(paren));
                assertEquals(org.objectweb.asm.Type.getArgumentTypes(method.descriptor()).length,
                        analysis.parameterNames(method).size(), method.toString());
                walk.method(method);
            }
            walk.type(c.getKey());
        }
        assertDoesNotThrow(walk::next, () -> "walking " + classes.keySet());
    }

    /** Every method's name and descriptor, read independently of the analysis. */
    private static Set<String> methods(byte[] classFile) {
        Set<String> out = new java.util.HashSet<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                out.add(name + descriptor);
                return null;
            }
        }, ClassReader.SKIP_CODE);
        return out;
    }
}
