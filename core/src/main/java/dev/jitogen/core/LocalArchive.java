package dev.jitogen.core;

import dev.jitogen.core.wire.Log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A class-data-sharing archive for local children (master layer): the JDK classes a child loads to answer its
 * first calls, and the core's boot classes, parsed and laid out once per JDK and version of Jitogen, so that each new
 * child maps them instead of reading them from the JDK's image (or its bundle) and generating its method-handle
 * classes again. Without it a child parsed about 90 JDK classes and generated about 20 {@code LambdaForm} classes to
 * its first reply; with it, none and 3, and about 30 ms less CPU; and the boot classes about 10 ms more (see
 * docs/benchmarks.md).
 *
 * <p>Only the master's own local children with the default JVM flags use one: the archive lives in the master's
 * cache directory ({@code jitogen.cacheDir}, else {@code $XDG_CACHE_HOME/jitogen}, else {@code ~/.cache/jitogen}),
 * under {@code cds/}, so nothing is ever written where a child runs but on the master's own host, by the master.
 * It holds the JDK classes a child loads, and the core's boot classes as a custom loader's: a child still receives
 * its classes from its parent as always, and its loader gets the archived class, parsed and verified already, for
 * each whose bytes match (see {@link #bootClassLines}).
 *
 * <p>{@code JITOGEN_CDS=off} in the master's environment turns it off, as it does the shell's own archive.
 *
 * <p>An archive is code a child runs: it is used only if it and its directory belong to this JVM's user and no one
 * else may write them; the {@code cds} directory is Jitogen's own, and closed to other accounts when it is made or
 * found open, before anything is written in it. A failure leaves a {@code .failed} file with its reason, and no master
 * tries that JDK again for {@link #RETRY_FAILED}.
 *
 * <p>Made once per JDK and core bundle (see {@link #key}, which names the archive): the first
 * local start that finds none starts without one and, on a daemon thread, records the classes of a throwaway child
 * of a private router ({@code -XX:DumpLoadedClassList}) and has that JDK dump them ({@code -Xshare:dump}) into a
 * temporary file, renamed into place when whole. A lock directory keeps two masters from making the same archive;
 * one older than ten minutes is taken to be left by a master that died. Any failure leaves no archive and is logged
 * at debug level: children then start as they did before. A child whose archive does not fit its JVM ignores it,
 * silently ({@code -Xlog:cds*=off}: its stdout is the protocol).
 *
 * <p>Threads: {@link #flags} from any thread; the archive is made on a thread of its own.
 */
final class LocalArchive {
    /** The archives (one per JDK and cache directory) this JVM is making or tried to make: once each. */
    private static final Set<String> TRIED = ConcurrentHashMap.newKeySet();
    private static final Duration STALE_LOCK = Duration.ofMinutes(10);
    /** How long a failure to make an archive for a JDK (its {@code .failed} file) stops masters trying again. */
    private static final Duration RETRY_FAILED = Duration.ofDays(7);
    /** Another version's archive for the same JDK, unused this long, is removed when an archive is made. */
    private static final Duration UNUSED = Duration.ofDays(1);
    /** The archives this JVM gave a child, their times touched once so that cleaning up knows them in use. */
    private static final Set<Path> USED = ConcurrentHashMap.newKeySet();
    /** The JDK of each java command seen, resolved once: its real path and its archive's key. */
    private static final java.util.Map<String, Jdk> JDKS = new ConcurrentHashMap<>();

    private record Jdk(Path java, String key) {}

    private LocalArchive() {}

    /**
     * The JVM flags for a local child of the master: {@code options}' own, plus the archive when there is one for its
     * JDK (and, when there is none yet, the archive is made in the background for the next child).
     */
    static List<String> flags(LocalOptions options) {
        List<String> flags = options.jvmFlags();
        if (!flags.equals(LocalOptions.DEFAULT_JVM_FLAGS) || options.javaPath().size() != 1) return flags;
        if ("off".equalsIgnoreCase(System.getenv("JITOGEN_CDS"))) return flags; // as for the shell's own archive
        try {
            Path dir = cacheDir().resolve("cds");
            Jdk jdk = JDKS.get(options.javaPath().get(0));
            if (jdk == null) {
                Path java = Path.of(options.javaPath().get(0));
                if (!java.isAbsolute() || !Files.isExecutable(java)) return flags;
                java = java.toRealPath();
                Path modules = java.getParent().getParent().resolve("lib").resolve("modules");
                if (!Files.isRegularFile(modules)) return flags;
                jdk = new Jdk(java, key(java, modules, flags, CoreBundle.get().raw()));
                JDKS.put(options.javaPath().get(0), jdk);
            }
            Path java = jdk.java;
            String key = jdk.key;
            Path archive = dir.resolve("child-" + key + ".jsa");
            if (Files.isRegularFile(archive)) {
                if (!ownedAndPrivate(archive) || !madePrivate(dir)) {
                    Log.fine("not using the class-data archive " + archive + ": it or its directory is not "
                            + System.getProperty("user.name") + "'s alone");
                    return flags;
                }
                if (USED.add(archive)) {
                    try {
                        Files.setLastModifiedTime(archive, FileTime.fromMillis(System.currentTimeMillis()));
                    } catch (IOException e) {
                        // only a hint for cleaning up
                    }
                }
                List<String> with = new ArrayList<>(flags);
                with.add("-XX:SharedArchiveFile=" + archive);
                with.add("-Xlog:cds*=off");
                return with;
            }
            Path failed = dir.resolve("child-" + key + ".failed");
            if (Files.isRegularFile(failed) && System.currentTimeMillis()
                    - Files.getLastModifiedTime(failed).toMillis() < RETRY_FAILED.toMillis()) {
                return flags; // it failed lately, in this JVM or another: not every new master tries again
            }
            if (TRIED.add(archive.toString())) {
                Path javaCommand = java;
                Thread t = new Thread(() -> make(javaCommand, dir, key, archive), "jitogen-cds");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException | RuntimeException e) {
            Log.fine("no class-data archive for local children: " + e);
        }
        return flags;
    }

    /**
     * True if {@code p} belongs to this JVM's user and no one else may write it: an archive is code a child runs, so
     * one that another account could have put or changed (a cache directory set to a shared place) is not used.
     */
    private static boolean ownedAndPrivate(Path p) throws IOException {
        if (!ours(p)) return false;
        Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(p);
        return !perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                && !perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    }

    /** True if this JVM's user owns {@code p}: by uid where the file system has them (the user may have no name). */
    private static boolean ours(Path p) throws IOException {
        try {
            return Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(Path.of("/proc/self/"), "unix:uid"));
        } catch (UnsupportedOperationException | IOException e) {
            return Files.getOwner(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName()
                    .equals(System.getProperty("user.name"));
        }
    }

    /**
     * Makes {@code dir} (the {@code cds} directory, Jitogen's own) if needed and, when it is this user's, closes it to
     * everyone else (a umask of 002 would leave it writable by the user's group); true if it is now this user's alone.
     */
    private static boolean madePrivate(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (!ours(dir)) return false;
        if (!ownedAndPrivate(dir)) {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        return ownedAndPrivate(dir);
    }

    static Path cacheDir() {
        String dir = System.getProperty("jitogen.cacheDir");
        if (dir != null && !dir.isBlank()) return Path.of(dir).toAbsolutePath(); // the dump runs in another directory
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg, "jitogen");
        return Path.of(System.getProperty("user.home"), ".cache", "jitogen");
    }

    /**
     * The archive's name: {@code JDK-BUNDLE}, the JDK (its java command, and the size and time of its module image)
     * with the flags, then the core bundle whose boot classes it holds, so that another version of Jitogen makes an
     * archive of its own (and removes the other versions' for that JDK once unused for a day).
     */
    static String key(Path java, Path modules, List<String> flags, byte[] bundle) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            String id = java + "\n" + Files.size(modules) + "\n" + Files.getLastModifiedTime(modules).toMillis()
                    + "\n" + String.join(" ", flags) + "\n";
            String jdk = HexFormat.of().formatHex(d.digest(id.getBytes(StandardCharsets.UTF_8)), 0, 12);
            return jdk + "-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bundle), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }

    /** Records a throwaway child's classes and dumps them into {@code archive}. Its own thread. */
    private static void make(Path java, Path dir, String key, Path archive) {
        long t0 = System.nanoTime();
        Path lock = dir.resolve("child-" + key + ".lock");
        String temporary = "child-" + key + "." + ProcessHandle.current().pid(); // this master's files, then a suffix
        Path list = dir.resolve(temporary + ".classlist");
        Path jdkList = dir.resolve(temporary + ".jdk.classlist");
        Path partial = dir.resolve(temporary + ".jsa.partial");
        Path bootJar = dir.resolve(temporary + ".boot.jar");
        Path errors = dir.resolve(temporary + ".hs_err.log");
        try {
            // nothing is written where another account could have put a link to follow
            if (!madePrivate(dir)) {
                Log.fine("no class-data archive for local children: " + dir + " is not " + System.getProperty("user.name")
                        + "'s alone");
                return;
            }
            if (!takeLock(lock)) return;
            try {
                removeLeftovers(dir, key);
                List<String> recording = new ArrayList<>(LocalOptions.DEFAULT_JVM_FLAGS);
                recording.add("-XX:DumpLoadedClassList=" + list);
                long recorder;
                try (Router r = Router.create()) {
                    Context c = r.local(LocalOptions.builder().name("cds-recording").javaPath(java.toString())
                            .jvmFlags(recording).build());
                    recorder = c.pid();
                    c.call(ArchiveCalls.NOOP);
                    c.call(ArchiveCalls.STREAM);
                    c.shutdown();
                    c.awaitDisconnect(Duration.ofSeconds(10));
                }
                // the class list is whole once the recording JVM has exited (it writes the list as it goes)
                java.util.Optional<ProcessHandle> h = ProcessHandle.of(recorder);
                if (h.isPresent()) h.get().onExit().get(30, TimeUnit.SECONDS);
                if (!Files.isRegularFile(list) || Files.size(list) == 0) {
                    throw new IOException("the recording child wrote no class list (" + list + ")");
                }
                // JDK classes only from the recording (its first stage came from a directory since deleted)
                List<String> jdk = new ArrayList<>();
                for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
                    if (!line.contains("dev/jitogen/") && !line.contains("dev.jitogen.")) jdk.add(line);
                }
                // and the core's boot classes, as a custom loader's: read from a jar when dumped, matched by their
                // bytes when a child's loader defines them. Not from a path with white space, which a class list
                // cannot name; and if the JDK cannot dump them, an archive of its own classes is still worth having
                int exit = -1;
                if (!bootJar.toString().matches("(?s).*\\s.*")) {
                    try {
                        List<String> withBoot = new ArrayList<>(jdk);
                        withBoot.addAll(bootClassLines(CoreBundle.get().bootClasses(), bootJar, jdk));
                        exit = dump(java, withBoot, jdkList, partial, dir, errors);
                        if (exit != 0) Log.fine("the JDK could not dump the core's boot classes (exit " + exit + ")");
                    } catch (IOException | RuntimeException e) {
                        Log.fine("the core's boot classes stay out of the class-data archive: " + e);
                    }
                }
                if (exit != 0) exit = dump(java, jdk, jdkList, partial, dir, errors); // the JDK's own classes alone
                if (exit != 0 || !Files.isRegularFile(partial)) {
                    throw new IOException("the JDK's dump exited with " + exit);
                }
                Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Log.fine("made the class-data archive " + archive + " for local children of " + java + " in "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms");
            } finally {
                Files.deleteIfExists(lock);
            }
        } catch (IOException | RuntimeException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            Log.fine("could not make a class-data archive for local children of " + java + ": " + e);
            try {
                Files.writeString(dir.resolve("child-" + key + ".failed"), e + "\n");
            } catch (IOException | RuntimeException ignored) {
                // no marker: the next master tries again
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (Path p : List.of(list, jdkList, partial, bootJar, errors)) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a temporary file of our own; the next attempt writes its own
                }
            }
        }
    }

    /**
     * Has {@code java} dump the classes of {@code lines} (written to {@code list}) into {@code archive}; its exit
     * value. A crash report goes to {@code errors}, removed with the other temporary files, and no core file is made.
     */
    private static int dump(Path java, List<String> lines, Path list, Path archive, Path dir, Path errors)
            throws IOException, InterruptedException {
        Files.write(list, lines, StandardCharsets.UTF_8);
        Files.deleteIfExists(archive);
        List<String> command = new ArrayList<>(List.of(java.toString()));
        for (String f : LocalOptions.DEFAULT_JVM_FLAGS) if (!f.startsWith("-Xshare")) command.add(f);
        command.addAll(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + archive,
                "-Xlog:cds*=off", "-XX:ErrorFile=" + errors, "-XX:-CreateCoredumpOnCrash"));
        Process dump = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).directory(dir.toFile()).start();
        if (!dump.waitFor(2, TimeUnit.MINUTES)) {
            dump.destroyForcibly();
            throw new IOException("the JDK took over two minutes to dump the archive");
        }
        return dump.exitValue();
    }

    /**
     * Writes {@code classes} (binary name to class file) into {@code jar} and returns the class-list lines that have
     * a dump archive them as classes of a custom loader ({@code NAME id: N super: N interfaces: N... source: JAR}),
     * each after the types it extends, which get ids too unless {@code recorded}, the JDK's lines, gave them one
     * (newer JDKs give every class one). A child's loader that defines a class with the same bytes then gets the
     * archived one, parsed and verified already; one whose bytes differ is defined as usual. A class that extends
     * neither a boot class nor the JDK's is left out, with what extends it: the dump could not load it.
     */
    static List<String> bootClassLines(java.util.Map<String, byte[]> classes, Path jar, List<String> recorded)
            throws IOException {
        java.util.Map<String, byte[]> byPath = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, byte[]> e : classes.entrySet()) byPath.put(e.getKey().replace('.', '/'), e.getValue());
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            for (java.util.Map.Entry<String, byte[]> e : byPath.entrySet()) {
                out.putNextEntry(new java.util.jar.JarEntry(e.getKey() + ".class"));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        ClassIds ids = new ClassIds();
        for (String line : recorded) {
            java.util.regex.Matcher m = RECORDED_ID.matcher(line);
            if (m.matches()) ids.recorded(m.group(1), Integer.parseInt(m.group(2)));
        }
        List<String> lines = new ArrayList<>();
        for (String name : byPath.keySet()) ids.of(name, byPath, lines, jar);
        return lines;
    }

    /** A class-list line that gives a class an id. */
    private static final java.util.regex.Pattern RECORDED_ID = java.util.regex.Pattern.compile("(\\S+) id: (\\d+)\\b.*");

    /** The ids of a class list's classes: those it has, and new ones for the lines added. */
    private static final class ClassIds {
        private final java.util.Map<String, Integer> ids = new java.util.HashMap<>();
        private int next;

        void recorded(String name, int id) {
            ids.putIfAbsent(name, id);
            next = Math.max(next, id + 1);
        }

        /** The id of {@code name}, after adding its line and its super types' to {@code lines}; -1 if it cannot be dumped. */
        int of(String name, java.util.Map<String, byte[]> classes, List<String> lines, Path jar) {
            Integer known = ids.get(name);
            if (known != null) return known;
            byte[] classFile = classes.get(name);
            if (classFile == null) {
                if (!name.startsWith("java/")) return -1; // neither ours nor a type the JDK's own loader finds
                int id = next++;
                ids.put(name, id);
                lines.add(name + " id: " + id);
                return id;
            }
            ids.put(name, -1); // a cycle is not a class file javac wrote
            List<String> supers = dev.jitogen.core.classload.ConstantPool.superTypes(classFile);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < supers.size(); i++) {
                int id = of(supers.get(i), classes, lines, jar);
                if (id < 0) return -1;
                line.append(i == 0 ? " super: " : i == 1 ? " interfaces: " : " ").append(id);
            }
            int id = next++;
            ids.put(name, id);
            lines.add(name + " id: " + id + line + " source: " + jar);
            return id;
        }
    }

    private static boolean takeLock(Path lock) throws IOException {
        try {
            Files.createDirectory(lock);
            return true;
        } catch (FileAlreadyExistsException e) {
            long age = System.currentTimeMillis() - Files.getLastModifiedTime(lock).toMillis();
            if (age < STALE_LOCK.toMillis()) return false; // another master is making it
            Files.deleteIfExists(lock);
            return takeLock(lock);
        }
    }

    /**
     * Removes what masters that died while making an archive left (temporary files older than {@link #STALE_LOCK}),
     * and the archives of other versions of Jitogen for the same JDK, or of versions that named archives after the
     * JDK alone, once unused for {@link #UNUSED} (an archive's time is touched when a master first gives it to a child):
     * each new build of Jitogen makes an archive of its own. Under the lock.
     */
    private static void removeLeftovers(Path dir, String key) throws IOException {
        long now = System.currentTimeMillis();
        String sameJdk = "child-" + key.substring(0, key.indexOf('-') + 1);
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                boolean temporary = n.endsWith(".classlist") || n.endsWith(".partial") || n.endsWith(".boot.jar")
                        || n.endsWith(".hs_err.log");
                boolean superseded = n.startsWith("child-") && !n.startsWith("child-" + key + ".")
                        && (n.startsWith(sameJdk) || n.indexOf('-', "child-".length()) < 0)
                        && (n.endsWith(".jsa") || n.endsWith(".failed"));
                if (!temporary && !superseded) continue;
                try {
                    long age = now - Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toMillis();
                    if (temporary && age > STALE_LOCK.toMillis() || superseded && age > UNUSED.toMillis()) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    // gone meanwhile (another master's cleanup), or not a plain file: tidying never fails a build
                }
            }
        }
    }

    /** The calls the recording child answers: a no-op, and a stream with method references, as snippets do. */
    static final class ArchiveCalls {
        static final RemoteCallable<Object> NOOP = () -> null;
        static final RemoteCallable<Object> STREAM = () -> java.util.List.of(3, 1, 2).stream().sorted()
                .map(String::valueOf).collect(java.util.stream.Collectors.joining(","));

        private ArchiveCalls() {}
    }
}
