package dev.jitogen.core;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The class-data archive of the JDK's classes that the master's local children share (LocalArchive). */
class LocalArchiveTest {
    @Test
    void theFirstLocalChildLeavesAnArchiveThatTheNextOnesMapAndABrokenOneIsIgnored() throws Exception {
        Path cache = Files.createTempDirectory("jitogen-cache");
        String before = System.getProperty("jitogen.cacheDir");
        System.setProperty("jitogen.cacheDir", cache.toString());
        // archives of another build of Jitogen for the same JDK, and of builds that named them after the JDK alone,
        // are removed once a day old (awaitArchive waits until the new archive is alone)
        Path javaCommand = Path.of(System.getProperty("java.home"), "bin", "java").toRealPath();
        String key = LocalArchive.key(javaCommand, javaCommand.getParent().getParent().resolve("lib").resolve("modules"),
                LocalOptions.DEFAULT_JVM_FLAGS, CoreBundle.get().raw());
        Files.createDirectories(cache.resolve("cds"));
        java.nio.file.attribute.FileTime twoDaysAgo = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 2 * 86_400_000L);
        for (String old : List.of(key.substring(0, key.indexOf('-')) + "-000000000000.jsa", "0123456789abcdef01234567.jsa",
                "0123456789abcdef01234567.failed")) {
            Files.setLastModifiedTime(Files.write(cache.resolve("cds").resolve("child-" + old), new byte[10]), twoDaysAgo);
        }
        try (Router router = Router.create()) {
            Context first = router.local();
            assertEquals(6, first.call(() -> List.of(1, 2, 3).stream().mapToInt(Integer::intValue).sum()));
            assertFalse(mapsAnArchive(first.pid(), cache), "no archive existed for the first child");
            Path archive = awaitArchive(cache);
            assertNotNull(archive, "no archive was made in " + cache + "/cds within 2 minutes: " + list(cache));
            assertEquals("child-" + key + ".jsa", archive.getFileName().toString());

            Files.setLastModifiedTime(archive, twoDaysAgo);
            Context next = router.local();
            assertEquals("1,2,3", next.call(() -> String.join(",", List.of("1", "2", "3"))));
            assertTrue(mapsAnArchive(next.pid(), cache), "the next child maps the archive");
            // its time says it is in use, so that another build's master does not take it for a superseded one
            assertTrue(System.currentTimeMillis() - Files.getLastModifiedTime(archive).toMillis() < 600_000,
                    "the archive's time was not touched when a child was given it");

            // the archive holds the core's boot classes too: a child's loader gets them from it, parsed already
            Path trace = Files.createTempFile("jitogen-class-load", ".txt");
            List<String> traced = new ArrayList<>(LocalOptions.DEFAULT_JVM_FLAGS);
            traced.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off",
                    "-Xlog:class+load=info:file=" + trace));
            Context shared = router.local(LocalOptions.builder().jvmFlags(traced).build());
            assertEquals(7, shared.call(() -> 3 + 4));
            String loaded = Files.readString(trace);
            Files.delete(trace);
            for (String boot : List.of("ChildMain", "Router", "stream.Stream", "serial.PlainCodec")) {
                assertTrue(loaded.contains("dev.jitogen.core." + boot + " source: shared objects file"),
                        boot + " not from the archive:\n" + loaded.lines().filter(l -> l.contains("dev.jitogen"))
                                .collect(java.util.stream.Collectors.joining("\n")));
            }

            // children with flags of their own do not use it: the archive was made for the default ones
            List<String> flags = new ArrayList<>(LocalOptions.DEFAULT_JVM_FLAGS);
            flags.add("-Xmx64m");
            Context own = router.local(LocalOptions.builder().jvmFlags(flags).build());
            assertEquals(2, own.call(() -> 1 + 1));
            assertFalse(mapsAnArchive(own.pid(), cache));

            // its directory, Jitogen's own, is closed again if others may write it (a umask of 002)
            Path dir = archive.getParent();
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            Context reopened = router.local();
            assertEquals(3, reopened.call(() -> 1 + 2));
            assertTrue(mapsAnArchive(reopened.pid(), cache));
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir)));

            // an archive another account owns is not used: it is code the child runs (root can give it to nobody)
            if (System.getProperty("user.name").equals("root")) {
                var owner = Files.getOwner(archive);
                Files.setOwner(archive, cache.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName("nobody"));
                Context foreign = router.local();
                assertEquals(5, foreign.call(() -> 2 + 3));
                assertFalse(mapsAnArchive(foreign.pid(), cache), "an archive nobody owns is not used");
                Files.setOwner(archive, owner);
            }

            // an archive that is not one (a disk error, a JDK that cannot read it) is ignored, quietly
            // (a new file moved over it: the children running map the old one)
            Path garbage = Files.write(cache.resolve("garbage"), new byte[64 * 1024]);
            Files.move(garbage, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Context broken = router.local();
            assertEquals(4, broken.call(() -> 2 + 2));
        } finally {
            restoreCacheDir(before);
            deleteTree(cache);
        }
    }

    @Test
    void bootClassLinesComeAfterTheirSuperTypesReuseRecordedIdsAndLeaveOutWhatTheDumpCannotLoad() throws Exception {
        java.util.Map<String, byte[]> classes = new java.util.LinkedHashMap<>();
        for (Class<?> c : List.of(ChannelError.class, JitogenError.class, dev.jitogen.core.serial.DataLimitException.class)) {
            try (var in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                classes.put(c.getName(), in.readAllBytes());
            }
        }
        Path jar = Files.createTempFile("boot", ".jar");
        try {
            // a newer JDK's recording gives every class an id; an older one's, none
            List<String> lines = LocalArchive.bootClassLines(classes, jar,
                    List.of("java/lang/Object id: 0", "java/lang/RuntimeException id: 7", "java/lang/String"));
            assertEquals(List.of(
                    "dev/jitogen/core/JitogenError id: 8 super: 7 source: " + jar,
                    "dev/jitogen/core/ChannelError id: 9 super: 8 source: " + jar), lines,
                    "DataLimitException extends Kryo's exception, which is neither a boot class here nor the JDK's");
            try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
                assertNotNull(zip.getEntry("dev/jitogen/core/ChannelError.class"));
            }
            assertEquals(List.of("java/lang/RuntimeException id: 0", "dev/jitogen/core/JitogenError id: 1 super: 0 source: "
                    + jar), LocalArchive.bootClassLines(java.util.Map.of(JitogenError.class.getName(),
                    classes.get(JitogenError.class.getName())), jar, List.of()));
        } finally {
            Files.deleteIfExists(jar);
        }
    }

    @Test
    void aJdkThatCannotDumpTheBootClassesStillGetsAnArchiveOfItsOwnClasses() throws Exception {
        // it refuses to dump a class list naming a custom loader's classes (the core's boot classes)
        try (StubJdk stub = new StubJdk("stub-jdk-that-cannot-dump-boot-classes",
                "case \"$a\" in -XX:SharedClassListFile=*) grep -q ' source: ' \"${a#*=}\" && exit 1;; esac");
             Router router = Router.create()) {
            Context c = router.local(stub.options());
            assertEquals(2, c.call(() -> 1 + 1));
            Path archive = awaitArchive(stub.cache);
            assertNotNull(archive, "no archive alone in " + stub.cache + "/cds within 2 minutes: " + list(stub.cache));
            Context next = router.local(stub.options());
            assertEquals(3, next.call(() -> 1 + 2));
            assertTrue(mapsAnArchive(next.pid(), stub.cache), "the JDK's own classes are archived all the same");
        }
    }

    @Test
    void aJdkThatCannotDumpLeavesAFailedFileWithTheReasonAndNothingElse() throws Exception {
        try (StubJdk stub = new StubJdk("stub-jdk-that-cannot-dump", "[ \"$a\" = -Xshare:dump ] && exit 1");
             Router router = Router.create()) {
            Context c = router.local(stub.options());
            assertEquals(2, c.call(() -> 1 + 1));
            Path failed = awaitAlone(stub.cache, ".failed");
            assertNotNull(failed, "no .failed file alone in " + stub.cache + "/cds within 2 minutes: " + list(stub.cache));
            assertTrue(Files.readString(failed).contains("exited with 1"), Files.readString(failed));
            Context next = router.local(stub.options());
            assertEquals(3, next.call(() -> 1 + 2));
            assertFalse(mapsAnArchive(next.pid(), stub.cache));
        }
    }

    /**
     * A stub "JDK" whose java is the real one, except that it exits 1 when {@code refuse}, a shell test of one of its
     * arguments ({@code $a}), holds; and a cache directory of the master's own while it is open.
     */
    private static final class StubJdk implements AutoCloseable {
        final Path cache = Files.createTempDirectory("jitogen-cache");
        final Path jdk;
        final Path javaCommand;
        private final String before = System.getProperty("jitogen.cacheDir");

        StubJdk(String name, String refuse) throws java.io.IOException {
            jdk = Files.createTempDirectory(name);
            Files.createDirectories(jdk.resolve("bin"));
            Files.createDirectories(jdk.resolve("lib"));
            Files.write(jdk.resolve("lib").resolve("modules"), new byte[1]);
            javaCommand = jdk.resolve("bin").resolve("java");
            Files.writeString(javaCommand, "#!/bin/sh\nfor a in \"$@\"; do " + refuse + "; done\nexec '"
                    + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
            Files.setPosixFilePermissions(javaCommand, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            System.setProperty("jitogen.cacheDir", cache.toString());
        }

        LocalOptions options() {
            return LocalOptions.builder().javaPath(javaCommand.toString()).build();
        }

        @Override
        public void close() throws java.io.IOException {
            restoreCacheDir(before);
            deleteTree(cache);
            deleteTree(jdk);
        }
    }

    private static void restoreCacheDir(String before) {
        if (before == null) System.clearProperty("jitogen.cacheDir");
        else System.setProperty("jitogen.cacheDir", before);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static Path awaitArchive(Path cache) throws Exception {
        return awaitAlone(cache, ".jsa");
    }

    /** The one file in the cache's {@code cds} directory once it is alone there and its name ends with {@code suffix}. */
    private static Path awaitAlone(Path cache, String suffix) throws Exception {
        Path dir = cache.resolve("cds");
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end) {
            if (Files.isDirectory(dir)) {
                // done once the archive is alone: its lock and the temporary files are gone
                try (Stream<Path> files = Files.list(dir)) {
                    List<Path> all = files.toList();
                    if (all.size() == 1 && all.get(0).getFileName().toString().endsWith(suffix)) return all.get(0);
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    private static boolean mapsAnArchive(long pid, Path cache) throws Exception {
        return Files.readString(Path.of("/proc", Long.toString(pid), "maps")).contains(cache.resolve("cds").toString());
    }

    private static List<String> list(Path cache) throws Exception {
        try (Stream<Path> all = Files.walk(cache)) {
            return all.map(Path::toString).toList();
        }
    }
}
