package dev.jitogen.core;

import dev.jitogen.core.fixtures.Disk;
import dev.jitogen.core.fixtures.LogLevelMain;
import dev.jitogen.core.fixtures.NestedStart;
import dev.jitogen.core.fixtures.PlainCalls;
import dev.jitogen.core.fixtures.Shouter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.*;

/** Calls into one real child JVM, shared by the tests of this class. */
class LocalContextTest {
    static Router router;
    static Context local;

    @BeforeAll
    static void start() {
        router = Router.create();
        local = router.local();
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    @Test
    void callReturnsTheChildsOwnPid() {
        long pid = local.call(() -> ProcessHandle.current().pid());
        assertEquals(local.pid(), pid);
        assertNotEquals(ProcessHandle.current().pid(), pid);
    }

    @Test
    void callAsyncYieldsTheResultThroughAReceiver() {
        Receiver<String> r = local.callAsync(() -> System.getProperty("java.version"));
        assertEquals(System.getProperty("java.version"), r.get(Duration.ofSeconds(5)));
    }

    @Test
    void childStdoutAppearsInTheMastersLogWithTheContextName() throws Exception {
        try (LogCapture log = new LogCapture()) {
            local.callNoReply(() -> System.out.println("hello"));
            assertTrue(log.await("[local] stdout: hello", Duration.ofSeconds(5)), log.lines().toString());
        }
    }

    @Test
    void childLoggingIsForwardedToTheMaster() throws Exception {
        try (LogCapture log = new LogCapture()) {
            local.call(() -> System.getLogger("app.audit").log(System.Logger.Level.WARNING, "disk {0} low", "/var"));
            assertTrue(log.await("[local] app.audit: disk /var low", Duration.ofSeconds(5)), log.lines().toString());
        }
    }

    @Test
    void remoteExceptionArrivesAsCallErrorWithRemoteClassAndStack() {
        CallError e = assertThrows(CallError.class,
                () -> local.call(() -> Files.readString(Path.of("/nonexistent"))));
        assertEquals("java.nio.file.NoSuchFileException", e.remoteClassName());
        assertEquals("/nonexistent", e.remoteMessage());
        assertEquals("local", e.contextName());
        StackTraceElement[] remote = e.remoteStackTrace();
        assertTrue(remote.length > 3);
        assertTrue(List.of(remote).stream().anyMatch(f -> f.getClassName().equals("java.nio.file.Files")));
        assertTrue(e.getStackTrace().length > remote.length, "the caller's own frames follow the remote ones");
        assertTrue(e.getMessage().contains("NoSuchFileException"));
    }

    @Test
    void remoteCauseChainIsKept() {
        CallError e = assertThrows(CallError.class, () -> local.call(() -> {
            throw new IllegalStateException("outer", new ArithmeticException("inner"));
        }));
        assertEquals("java.lang.IllegalStateException", e.remoteClassName());
        assertNotNull(e.getCause());
        assertEquals("java.lang.ArithmeticException", e.getCause().remoteClassName());
        assertEquals("inner", e.getCause().remoteMessage());
    }

    /**
     * The parent layer is not among a child's boot classes: the first time a child starts a context of its own, it
     * asks for one of them and receives all of them with it (one round trip for the family, not one per class), and
     * the context it starts boots and answers.
     */
    @Test
    void aChildFetchesTheParentLayerInOneRoundTripWhenItFirstStartsAContext() {
        try (Router fresh = Router.create()) {
            Context c = fresh.local();
            assertFalse(CoreBundle.get().names().contains(ProcessConnection.class.getName()), "lean boot classes");
            String said = c.call(NestedStart.grandchildSays("hello"));
            assertTrue(said.startsWith("hello from "), said);
            Stats s = fresh.stats();
            // the parent layer's family, then the grandchild's own request for the nested lambda's class
            assertTrue(s.requests() <= 2, s.toString());
            assertTrue(s.classesSent() >= 30, s.toString());
            assertEquals("again from", c.call(NestedStart.grandchildSays("again")).substring(0, 10));
            assertEquals(s.requests(), fresh.stats().requests(), "the second start asks for nothing");
        }
    }

    @Test
    void userClassesGoWithTheFirstCallThatNeedsThemWithWhatTheyReferTo() {
        try (Router fresh = Router.create()) {
            Context c = fresh.local();
            assertEquals(0, fresh.stats().classesSent(), "a new child has only the core bundle");
            assertEquals("HI!", c.call(() -> Shouter.shout("hi")));
            Stats s = fresh.stats();
            // this test class, which the lambda lives in, and Shouter, which it refers to, went ahead of the call:
            // the child never had to ask
            assertTrue(s.classesSent() >= 2, s.toString());
            assertEquals(0, s.requests(), s.toString());
            assertTrue(s.bytesSent() > 0, s.toString());
            long sent = s.classesSent();
            assertEquals("AGAIN!", c.call(() -> Shouter.shout("again")));
            assertEquals(sent, fresh.stats().classesSent(), "nothing is sent twice");
        }
    }

    @Test
    void pipelinedCallsAllAnswerAndAQuickReplyIsNotHeldBackByALongCallBehindIt() {
        try (Router fresh = Router.create()) {
            Context c = fresh.local();
            List<Receiver<Integer>> many = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                int n = i;
                many.add(c.callAsync(() -> n));
            }
            for (int i = 0; i < many.size(); i++) assertEquals(i, many.get(i).get(Duration.ofSeconds(30)));
            // the second call is queued while the first runs, so the first reply is buffered, not flushed at once
            Receiver<Integer> quick = c.callAsync(() -> {
                Thread.sleep(300);
                return 1;
            });
            Receiver<Integer> slow = c.callAsync(() -> {
                Thread.sleep(5_000);
                return 2;
            });
            assertEquals(1, quick.get(Duration.ofSeconds(3)), "the quick reply waited for the slow call");
            assertEquals(2, slow.get(Duration.ofSeconds(10)));
        }
    }

    @Test
    void userRecordsComeBackAsData() {
        String path = "/";
        Disk d = local.call(() -> new Disk(path, new java.io.File(path).getFreeSpace() >> 20));
        assertEquals("/", d.mount());
        assertTrue(d.freeMb() > 0);
    }

    @Test
    void userEnumsAndJdkEnumsComeBackAsData() {
        assertEquals(dev.jitogen.core.fixtures.Color.GREEN, local.call(() -> dev.jitogen.core.fixtures.Color.GREEN));
        assertEquals(java.util.concurrent.TimeUnit.SECONDS, local.call(() -> java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    void codeNeverFlowsFromChildToParent() {
        CallError e = assertThrows(CallError.class,
                () -> local.call(() -> (RemoteCallable<Integer>) () -> 42));
        assertTrue(e.getMessage().contains("may not send code"), e.getMessage());
        assertEquals(1, local.call(() -> 1));
    }

    @Test
    void waitingForAReplyOnAStreamReaderThreadThrowsInsteadOfDeadlocking() throws Exception {
        var seen = new java.util.concurrent.CompletableFuture<Throwable>();
        var timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        var toReader = new java.io.PipedOutputStream();
        var stream = new dev.jitogen.core.stream.Stream("test", new java.io.PipedInputStream(toReader, 65536),
                java.io.OutputStream.nullOutputStream(), 1 << 20);
        stream.start(new dev.jitogen.core.stream.Stream.Listener() {
            @Override
            public void onMessage(dev.jitogen.core.stream.Stream s, dev.jitogen.core.wire.Message m) {
                try {
                    local.call(() -> 1); // a handler waiting for the network: must refuse
                    seen.complete(null);
                } catch (Throwable t) {
                    seen.complete(t);
                }
            }

            @Override
            public void onClose(dev.jitogen.core.stream.Stream s, Throwable cause) {}
        }, Thread::new, timer, Duration.ofSeconds(30));
        new dev.jitogen.core.wire.Message(0, 1, 1, 1000, 0, null).writeTo(toReader);
        toReader.flush();
        Throwable t = seen.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertInstanceOf(IllegalStateException.class, t);
        assertTrue(t.getMessage().contains("reader thread"), t.getMessage());
        stream.close(null);
        timer.shutdownNow();
    }

    @Test
    void thirdPartyLibraryClassesTheMasterHasAreServed() {
        // opentest4j comes with JUnit on the master's class path; the child has never seen it
        String msg = local.call(() -> new org.opentest4j.AssertionFailedError("from a library").getMessage());
        assertEquals("from a library", msg);
    }

    @Test
    void functionsTakeArguments() {
        assertEquals(7, local.call((Integer x) -> x + 2, 5));
        assertEquals("ab", local.call((String a, String b) -> a + b, "a", "b"));
        RemoteFunction<String, String> ref = Shouter::shout;
        assertEquals("YO!", local.call(ref, "yo"));
    }

    @Test
    void staticMethodsCanBeCalledByName() {
        int sum = local.callStatic(Shouter.class.getName(), "add", 2, 3);
        assertEquals(5, sum);
        long max = local.callStatic("java.lang.Math", "max", 3L, 9L);
        assertEquals(9L, max);
        CallError e = assertThrows(CallError.class, () -> local.callStatic("java.lang.Math", "nope"));
        assertEquals("java.lang.NoSuchMethodException", e.remoteClassName());
    }

    @Test
    void collectionsAndJdkValuesTravelBothWays() {
        Map<String, List<Integer>> m = local.call(() -> Map.of("a", List.of(1, 2), "b", new ArrayList<>(List.of(3))));
        assertEquals(Map.of("a", List.of(1, 2), "b", List.of(3)), m);
        assertEquals(Optional.of(java.time.Duration.ofSeconds(3)), local.call(() -> Optional.of(Duration.ofSeconds(3))));
        byte[] back = local.call((byte[] b) -> b, new byte[]{1, 2, 3});
        assertArrayEquals(new byte[]{1, 2, 3}, back);
    }

    @Test
    void callsRunInArrivalOrderOnTheMainThread() {
        List<Receiver<String>> rs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            rs.add(local.callAsync(() -> Thread.currentThread().getName() + ":" + Order.next(n)));
        }
        for (int i = 0; i < 50; i++) assertEquals("jitogen-main:" + i, rs.get(i).get(Duration.ofSeconds(10)));
    }

    /** Child-side state: each call checks it runs after the one before it. */
    static final class Order {
        static int expected;

        static int next(int n) {
            if (n == 0) expected = 0;
            if (n != expected) throw new IllegalStateException("call " + n + " ran out of order, expected " + expected);
            return expected++;
        }
    }

    @Test
    void receiverTimesOut() {
        Receiver<Integer> r = local.callAsync(() -> {
            Thread.sleep(1500);
            return 1;
        });
        assertThrows(TimeoutError.class, () -> r.get(Duration.ofMillis(100)));
        assertEquals(1, r.get(Duration.ofSeconds(5)));
    }

    @Test
    void resultOutsideTheAllowListIsRefusedByNameAndTheContextStaysUsable() {
        CallError e = assertThrows(CallError.class, () -> local.call(() -> new java.awt.Point(1, 2)));
        assertTrue(e.getMessage().contains("java.awt.Point"), e.getMessage());
        assertEquals(4, local.call(() -> 2 + 2));
    }

    @Test
    void unserializableResultGivesAClearError() {
        CallError e = assertThrows(CallError.class, () -> local.call(() -> Thread.currentThread()));
        assertTrue(e.getMessage().contains("java.lang.Thread"), e.getMessage());
        assertEquals(4, local.call(() -> 2 + 2));
    }

    @Test
    void capturedValueThatCannotBeSentIsNamed() {
        Object lock = new Thread();
        CallError e = assertThrows(CallError.class, () -> local.call(() -> lock.hashCode()));
        // no StaticState names captured values here: the position and type say which one
        assertTrue(e.getMessage().contains("cannot send captured value #0 (java.lang.Thread) to local: its value"
                + " cannot be serialized"), e.getMessage());
    }

    @Test
    void childHasNoClassPathToTheMastersJarsAndLeavesNothingOnDisk() throws Exception {
        String cp = local.call(() -> System.getProperty("java.class.path"));
        assertFalse(cp.contains(".jar"), cp);
        assertFalse(Files.exists(Path.of(cp)), "the first stage's directory " + cp + " should be gone");
        String loader = local.call(() -> Shouter.class.getClassLoader().getClass().getName());
        assertEquals("dev.jitogen.bootstrap.FirstStage", loader);
    }

    @Test
    void childCommandLineShowsTheRemoteName() {
        List<String> args = List.of(ProcessHandle.of(local.pid()).orElseThrow().info().arguments().orElseThrow());
        String expected = "jitogen:" + System.getProperty("user.name") + "@";
        assertTrue(args.stream().anyMatch(a -> a.startsWith(expected)), args.toString());
    }

    @Test
    void environmentVariableOverridesTheChildLogLevel() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LogLevelMain.class.getName());
        pb.environment().put("JITOGEN_LOG_LEVEL", "WARNING");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("forwarded [local] app: warning-line"), out);
        assertFalse(out.contains("info-line"), out);
    }

    /**
     * A child answers plain calls without initialising java.util.logging or Kryo (issue 15), and JUL still forwards
     * once user code logs: the handler is installed by JUL's configuration class, found through the context loader,
     * also on a thread the call starts.
     */
    @Test
    void aChildStartsWithoutLoggingOrKryoAndStillForwardsWhenCodeLogs() throws Exception {
        Path trace = Files.createTempFile("jitogen-class-load", ".txt");
        List<String> flags = new ArrayList<>(LocalOptions.DEFAULT_JVM_FLAGS);
        flags.add("-Xlog:class+load=info:file=" + trace);
        try (Router r = Router.create(); LogCapture log = new LogCapture()) {
            Context c = r.local(LocalOptions.builder().jvmFlags(flags).build());
            assertEquals(System.getProperty("java.specification.version"), c.call(PlainCalls.javaVersion()));
            assertEquals(List.of(1, 4, 9), c.call(PlainCalls.squares(3)));
            String loaded = Files.readString(trace);
            int jul = loaded.indexOf("java.util.logging.");
            assertEquals(-1, jul, () -> "JUL loaded at start-up, after "
                    + loaded.substring(Math.max(0, jul - 1500), jul));
            // KryoException itself is a boot class: core's decoding exceptions extend it
            assertFalse(loaded.contains("com.esotericsoftware.kryo.Kryo "), "Kryo loaded for plain values");
            // nor the parent layer, which a child builds when it first starts a context, nor what only Kryo,
            // listeners or a failed call use, nor Context, which only code or a value makes in a child, nor the
            // class relay, built with the parent layer, nor what only a context's own calls use
            for (String notAtStart : List.of("ChildStarter", "ChildIdAllocator", "SentClasses", "Events",
                    "UnsendableCall", "serial.DataAllowList", "Context", "classload.ClassRelay", "StaticState", "classload.CallClasses", "classload.ClassCounts")) {
                assertFalse(loaded.contains("dev.jitogen.core." + notAtStart + " "), notAtStart + " loaded at start-up");
            }
            // a child spins a class for each lambda it meets, about half a millisecond of CPU each: core's start
            // path keeps to three (the broker's thread start, the process's exit, the parent stream's end)
            List<String> spun = loaded.lines()
                    .filter(l -> l.matches(".*\\bdev\\.jitogen\\.core\\.[\\w$]+\\$\\$Lambda.*"))
                    .toList();
            assertTrue(spun.size() <= 3, () -> spun.size() + " lambdas of core spun at start-up:\n"
                    + String.join("\n", spun));
            c.call(() -> {
                Thread t = new Thread(() -> Logger.getLogger("app.late").warning("from a thread of the call"));
                t.start();
                t.join();
                return null;
            });
            assertTrue(log.await("app.late: from a thread of the call", Duration.ofSeconds(10)), log.lines()::toString);
            c.call(() -> System.getLogger("app.sys").log(System.Logger.Level.ERROR, "and System.Logger"));
            assertTrue(log.await("app.sys: and System.Logger", Duration.ofSeconds(10)), log.lines()::toString);
        } finally {
            Files.deleteIfExists(trace);
        }
    }

    @Test
    void childLogLevelFollowsTheMaster() throws Exception {
        Logger jitogen = Logger.getLogger("dev.jitogen");
        Logger forwarded = Logger.getLogger("dev.jitogen.ctx");
        Level old = jitogen.getLevel();
        jitogen.setLevel(Level.WARNING);
        forwarded.setLevel(Level.ALL); // the master would print whatever arrives: only the child may filter
        try (Router r = Router.create(); LogCapture log = new LogCapture()) {
            Context quiet = r.local();
            quiet.call(() -> {
                Logger.getLogger("app").info("chatty");
                Logger.getLogger("app").warning("important");
            });
            assertTrue(log.await("app: important", Duration.ofSeconds(5)));
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("chatty")), log.lines().toString());
        } finally {
            jitogen.setLevel(old);
            forwarded.setLevel(null);
        }
    }

    @Test
    void whatACallPrintsIsPublishedBeforeTheCallReturns() throws Exception {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r instanceof ForwardedRecord f && f.contextName().equals("local")) seen.add(f.source() + " " + f.text());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger ctx = java.util.logging.Logger.getLogger("dev.jitogen.ctx"); // held while in use
        ctx.addHandler(h);
        try {
            for (int i = 0; i < 200; i++) {
                int n = i;
                String result = local.call(() -> {
                    System.out.println("one " + n);
                    System.err.println("two " + n);
                    System.out.print("three " + n);
                    return "done " + n;
                });
                seen.add(result);
            }
        } finally {
            ctx.removeHandler(h);
        }
        for (int i = 0; i < 200; i++) {
            assertEquals(List.of("stdout one " + i, "stderr two " + i, "stdout three " + i, "done " + i),
                    seen.subList(4 * i, 4 * i + 4), "repetition " + i);
        }
    }

    @Test
    void aContextCannotForgeAnotherContextsLogLineNorSendControlCharacters() throws Exception {
        try (LogCapture log = new LogCapture()) {
            local.call(() -> {
                // one record holding a line break, as a logger (or a hand-made frame) can send
                java.util.logging.Logger.getLogger("app").warning("first\n[other] stdout: forged\u001b[2J");
                return null;
            });
            assertTrue(log.await("forged", java.time.Duration.ofSeconds(5)), log.lines().toString());
            String line = log.lines().stream().filter(l -> l.contains("forged")).findFirst().orElseThrow();
            assertTrue(line.endsWith("[local] app: first\n[local] app: [other] stdout: forged^[[2J"), line);
        }
    }
}
