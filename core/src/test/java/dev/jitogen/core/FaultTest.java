package dev.jitogen.core;

import dev.jitogen.core.fixtures.MasterMain;
import dev.jitogen.core.fixtures.secret.Vault;
import dev.jitogen.core.spi.ChildProcess;
import dev.jitogen.core.spi.Launcher;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Bad input and faults: each must give a clear error and leave the master and other contexts working. */
class FaultTest {
    private static String stub(String name) throws Exception {
        return Path.of(FaultTest.class.getResource("/stubs/" + name).toURI()).toString();
    }

    private static String realJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void closingTheRouterLeavesNoChildProcessEvenWithAHungCall() throws Exception {
        List<Long> pids = new ArrayList<>();
        try (Router router = Router.builder().shutdownGrace(Duration.ofMillis(500)).build()) {
            for (int i = 0; i < 3; i++) pids.add(router.local().pid());
            router.contexts().get(0).callAsync(() -> {
                Thread.sleep(Long.MAX_VALUE);
                return null;
            });
        }
        for (long pid : pids) assertTrue(Processes.gone(pid, Duration.ZERO.plusMillis(1)), "child " + pid + " still alive");
    }

    @Test
    void shutdownWorksOnAContextWhoseCallIsHung() throws Exception {
        try (Router router = Router.create()) {
            Context c = router.local();
            Receiver<Object> hung = c.callAsync(() -> {
                Thread.sleep(Long.MAX_VALUE);
                return null;
            });
            assertThrows(TimeoutError.class, () -> hung.get(Duration.ofMillis(200)));
            c.shutdown();
            assertTrue(Processes.gone(c.pid(), Duration.ofSeconds(1)));
            assertThrows(ChannelError.class, () -> hung.get(Duration.ofSeconds(1)));
            assertFalse(c.isConnected());
        }
    }

    @Test
    void childKilledMidCallGivesChannelErrorWithinOneSecond() throws Exception {
        try (Router router = Router.create()) {
            Context victim = router.local();
            Context bystander = router.local();
            Receiver<Object> r = victim.callAsync(() -> {
                Thread.sleep(30_000);
                return null;
            });
            ProcessHandle.of(victim.pid()).orElseThrow().destroyForcibly();
            ChannelError e = assertThrows(ChannelError.class, () -> r.get(Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains(victim.name()), e.getMessage());
            assertEquals(6, bystander.call(() -> 3 * 2));
            assertThrows(ChannelError.class, () -> victim.call(() -> 1), "calls to a dead context fail at once");
        }
    }

    @Test
    void childrenExitWithinTwoSecondsOfTheMastersDeath() throws Exception {
        Process master = new ProcessBuilder(realJava(), "-cp", System.getProperty("java.class.path"),
                MasterMain.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String line = new BufferedReader(new InputStreamReader(master.getInputStream())).readLine();
            assertNotNull(line, "the master JVM printed no pids");
            long[] pids = Stream.of(line.trim().split(" ")).mapToLong(Long::parseLong).toArray();
            for (long pid : pids) assertTrue(ProcessHandle.of(pid).isPresent());
            master.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs
            for (long pid : pids) assertTrue(Processes.gone(pid, Duration.ofSeconds(2)), "child " + pid + " outlived its master");
        } finally {
            master.destroyForcibly();
        }
    }

    @Test
    void corruptedFrameClosesOnlyThatStreamWithAClearError() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context bad = router.local();
            Context good = router.local();
            Receiver<Object> r = bad.callAsync(() -> {
                var raw = new java.io.FileOutputStream(java.io.FileDescriptor.out);
                raw.write("this is not a Jitogen frame at all".getBytes());
                raw.flush();
                Thread.sleep(10_000);
                return null;
            });
            assertThrows(ChannelError.class, () -> r.get(Duration.ofSeconds(5)));
            assertTrue(log.await("bad frame: magic", Duration.ofSeconds(2)), log.lines().toString());
            assertTrue(Processes.gone(bad.pid(), Duration.ofSeconds(3)));
            assertEquals("still here", good.call(() -> "still here"));
        }
    }

    /** The header claims 2 GiB and no data follows: skipped without allocating, then closed as a stalled frame. */
    @Test
    void frameLongerThanTheMaxMessageSizeIsRefusedBeforeAllocation() throws Exception {
        try (Router router = Router.builder().maxMessageSize(64 * 1024).stallTimeout(Duration.ofSeconds(2)).build();
             LogCapture log = new LogCapture()) {
            Context bad = router.local();
            Context good = router.local();
            Receiver<Object> r = bad.callAsync(() -> {
                java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(26);
                h.putShort((short) 0x4A47).putInt(0).putInt(1).putInt(1).putInt(1000).putInt(0).putInt(Integer.MAX_VALUE);
                var raw = new java.io.FileOutputStream(java.io.FileDescriptor.out);
                raw.write(h.array());
                raw.flush();
                Thread.sleep(10_000);
                return null;
            });
            assertThrows(ChannelError.class, () -> r.get(Duration.ofSeconds(5)));
            assertTrue(log.await("over the max message size 65536", Duration.ofSeconds(2)), log.lines().toString());
            assertEquals(1, good.call(() -> 1));
        }
    }

    @Test
    void resultOverTheMaxMessageSizeIsAClearCallError() {
        try (Router router = Router.builder().maxMessageSize(64 * 1024).build()) {
            Context c = router.local();
            CallError e = assertThrows(CallError.class, () -> c.call(() -> new byte[100_000]));
            assertTrue(e.getMessage().contains("over the max message size 65536"), e.getMessage());
            assertEquals(1, c.call(() -> 1));
        }
    }

    @Test
    void missingJavaIsAStreamErrorCarryingTheTargetsStderr() {
        try (Router router = Router.create()) {
            StreamError e = assertThrows(StreamError.class, () -> router.local(LocalOptions.builder()
                    .javaPath("/nonexistent/bin/java").connectTimeout(Duration.ofSeconds(10)).build()));
            assertTrue(e.getMessage().contains("java not found on the target"), e.getMessage());
            assertTrue(e.getMessage().contains("/nonexistent/bin/java"), e.getMessage());
            assertTrue(e.getMessage().contains("exited with return code 127"), e.getMessage());
        }
    }

    @Test
    void javaOlderThanRequiredIsAStreamErrorNamingTheVersions() throws Exception {
        try (Router router = Router.create()) {
            StreamError e = assertThrows(StreamError.class, () -> router.local(LocalOptions.builder()
                    .javaPath("/bin/sh", stub("stub-java-older-than-required.sh"), realJava()).build()));
            assertTrue(e.getMessage().contains("this JVM is Java 17"), e.getMessage());
            assertTrue(e.getMessage().contains("needs Java 99 or newer"), e.getMessage());
        }
    }

    @Test
    void connectTimeoutKillsAHungStartAndSaysWhy() throws Exception {
        try (Router router = Router.create()) {
            StreamError e = assertThrows(StreamError.class, () -> router.local(LocalOptions.builder()
                    .javaPath("/bin/sh", stub("stub-java-hangs.sh")).connectTimeout(Duration.ofMillis(700)).build()));
            assertTrue(e.getMessage().contains("did not start within the connect timeout of PT0.7S"), e.getMessage());
            assertTrue(e.getMessage().contains("pretending to hang"), e.getMessage());
        }
    }

    /** Runs the local bootstrap command with {@code TMPDIR} set to {@code tmp}, so the test sees its temp dirs. */
    private static Launcher withTmpdir(Path tmp, LocalOptions options) {
        List<String> argv = new ArrayList<>(List.of("env", "TMPDIR=" + tmp));
        argv.addAll(options.command());
        return timeout -> ChildProcess.start(argv);
    }

    private static List<Path> leftIn(Path dir, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            List<Path> left;
            try (Stream<Path> files = Files.list(dir)) {
                left = files.toList();
            }
            if (left.isEmpty() || System.nanoTime() > end) return left;
            Thread.sleep(100);
        }
    }

    @Test
    void aStartThatFailsBeforeTheFirstStageRunsLeavesNoTempDir() throws Exception {
        Path tmp = Files.createTempDirectory("jitogen-tmpdir-test");
        try (Router router = Router.create()) {
            LocalOptions badFlag = LocalOptions.builder().jvmFlags(List.of("-XX:+NoSuchJitogenFlag")).build();
            StreamError e = assertThrows(StreamError.class, () -> router.start("local", "bad-flag",
                    Duration.ofSeconds(20), false, withTmpdir(tmp, badFlag)));
            assertTrue(e.getMessage().contains("NoSuchJitogenFlag"), e.getMessage());
            long t0 = System.nanoTime();
            assertEquals(List.of(), leftIn(tmp, Duration.ofSeconds(5)), "a JVM that refused its flags left its dir");
            System.out.printf("bad JVM flag: temp dir gone %.0f ms after the start failed%n", (System.nanoTime() - t0) / 1e6);

            LocalOptions hangs = LocalOptions.builder().javaPath("/bin/sh", stub("stub-java-hangs.sh")).build();
            e = assertThrows(StreamError.class, () -> router.start("local", "hangs", Duration.ofMillis(700), false,
                    withTmpdir(tmp, hangs)));
            assertTrue(e.getMessage().contains("connect timeout"), e.getMessage());
            t0 = System.nanoTime();
            assertEquals(List.of(), leftIn(tmp, Duration.ofSeconds(5)), "a start killed by the timeout left its dir");
            System.out.printf("connect timeout: temp dir gone %.0f ms after the start failed%n", (System.nanoTime() - t0) / 1e6);

            Context ok = router.start("local", "ok", Duration.ofSeconds(30), false,
                    withTmpdir(tmp, LocalOptions.defaults()));
            assertEquals(1, ok.call(() -> 1));
            assertEquals(List.of(), leftIn(tmp, Duration.ofSeconds(5)), "and a start that worked leaves none either");
        } finally {
            try (Stream<Path> files = Files.walk(tmp)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aConnectTimeoutThatIsNotPositiveIsRefusedNamingTheOption() {
        try (Router router = Router.create()) {
            for (String bad : List.of("-5", "0", "NaN", "-0.5")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LocalMethod()
                        .connect(router, "bad", java.util.Map.of("connect-timeout", bad), null), bad);
                assertTrue(e.getMessage().contains("--connect-timeout takes a positive number of seconds, not " + bad),
                        e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LocalOptions.builder().connectTimeout(Duration.ofSeconds(-5)));
            assertTrue(e.getMessage().contains("the connect timeout must be positive, not PT-5S"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> router.start("local", "x", Duration.ZERO, false,
                    t -> { throw new AssertionError("not started"); }));
            assertTrue(router.contexts().isEmpty());
        }
    }

    @Test
    void unexpectedOutputBeforeTheFirstStageIsReported() throws Exception {
        try (Router router = Router.create()) {
            StreamError e = assertThrows(StreamError.class, () -> router.local(LocalOptions.builder()
                    .javaPath("/bin/sh", stub("stub-java-chatty.sh"), realJava()).build()));
            assertTrue(e.getMessage().contains("Welcome to the machine"), e.getMessage());
        }
    }

    @Test
    void classRefusedByPolicyReachesTheCallerNamingClassAndOverride() {
        ClassPolicy policy = ClassPolicy.builder().deny("dev.jitogen.core.fixtures.secret").build();
        try (Router router = Router.builder().classPolicy(policy).build()) {
            Context c = router.local();
            CallError e = assertThrows(CallError.class, () -> c.call(Vault::open));
            String all = e.getMessage() + (e.getCause() != null ? e.getCause().getMessage() : "");
            assertTrue(all.contains(ClassDeniedByPolicyError.class.getName()) || e.remoteClassName()
                    .equals(ClassDeniedByPolicyError.class.getName()), all);
            assertTrue(all.contains(Vault.class.getName()), all);
            assertTrue(all.contains("allow(\"dev.jitogen.core.fixtures.secret\")"), all);
            assertEquals(1, router.stats().refusals());
            assertEquals(2, c.call(() -> 1 + 1), "the context stays usable");
        }
    }

    @Test
    void childOnAnotherJdkVersionWorks() throws Exception {
        Optional<Path> jdk25;
        try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/jvm"))) {
            jdk25 = dirs.filter(d -> d.getFileName().toString().startsWith("temurin-25"))
                    .map(d -> d.resolve("bin/java")).filter(Files::isExecutable).findFirst();
        }
        assumeTrue(jdk25.isPresent(), "no Temurin 25 JDK under /usr/lib/jvm");
        try (Router router = Router.create()) {
            Context c = router.local(LocalOptions.builder().javaPath(jdk25.get().toString()).build());
            assertEquals(25, (int) c.call(() -> Runtime.version().feature()));
            assertEquals("HI!", c.call(() -> dev.jitogen.core.fixtures.Shouter.shout("hi")));
        }
    }

    @Test
    void namesAreUniqueAndChosenNamesKept() {
        try (Router router = Router.create()) {
            Context a = router.local();
            Context b = router.local();
            Context c = router.local(LocalOptions.builder().name("box2").remoteName("box2").build());
            assertEquals("local", a.name());
            assertEquals("local." + b.id(), b.name());
            assertEquals("box2", c.name());
            List<String> args = List.of(ProcessHandle.of(c.pid()).orElseThrow().info().arguments().orElseThrow());
            assertTrue(args.contains("jitogen:box2"), args.toString());
        }
    }
}
