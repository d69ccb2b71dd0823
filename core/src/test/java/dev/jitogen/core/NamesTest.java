package dev.jitogen.core;

import dev.jitogen.core.fixtures.ClassNames;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Names and texts: the child's name in ps, how a child's end is told, and class names a child refuses itself. */
class NamesTest {
    private static String stub(String name) throws Exception {
        return Path.of(NamesTest.class.getResource("/stubs/" + name).toURI()).toString();
    }

    @Test
    void theDefaultRemoteNameIsUserAtHostColonPidOfTheMasterWithSlashesReplaced() throws Exception {
        String user = System.getProperty("user.name");
        LocalOptions options;
        try {
            System.setProperty("user.name", "CORP\\ann/ops"); // a Windows domain user, a user name with a slash
            options = LocalOptions.defaults();
        } finally {
            System.setProperty("user.name", user);
        }
        String host = java.net.InetAddress.getLocalHost().getHostName().replace('/', '_').replace('\\', '_');
        String expected = "jitogen:CORP_ann_ops@" + host + ":" + ProcessHandle.current().pid();
        assertEquals(expected, options.remoteName());
        try (Router router = Router.create()) {
            Context c = router.local(options);
            List<String> args = List.of(ProcessHandle.of(c.pid()).orElseThrow().info().arguments().orElseThrow());
            assertTrue(args.contains(expected), "ps shows " + args);
        }
    }

    @Test
    void aChildThatFailsToStartIsDescribedByItsReturnCode() {
        try (Router router = Router.create()) {
            StreamError e = assertThrows(StreamError.class, () -> router.local(LocalOptions.builder()
                    .javaPath("/nonexistent/bin/java").connectTimeout(Duration.ofSeconds(10)).build()));
            assertTrue(e.getMessage().contains("exited with return code 127"), e.getMessage());
        }
    }

    @Test
    void aChildKilledBeforeItIsReadyIsDescribedBySignal() throws Exception {
        try (Router router = Router.create()) {
            StreamError e = assertThrows(StreamError.class, () -> router.local(LocalOptions.builder()
                    .javaPath("/bin/sh", stub("stub-java-killed.sh")).connectTimeout(Duration.ofSeconds(10)).build()));
            assertTrue(e.getMessage().contains("exited due to signal 9 (SIGKILL)"), e.getMessage());
            assertTrue(e.getMessage().contains("about to be killed"), e.getMessage());
        }
    }

    @Test
    void aMalformedClassNameIsRefusedInTheChildWithoutAskingTheMaster() {
        try (Router router = Router.create()) {
            assertMalformedNamesRefusedLocally(router, router.local());
        }
    }

    @Test
    void aMalformedClassNameIsRefusedInAnInProcessContextToo() {
        try (Router router = Router.create()) {
            assertMalformedNamesRefusedLocally(router, router.inProcess());
        }
    }

    private static void assertMalformedNamesRefusedLocally(Router router, Context c) {
        List<String> malformed = List.of("com.example.Trailing.", "com..example.Empty", ".Leading", "",
                "com/example/Slash", "com.example.Semi;colon", "com.example.Array[", "com.example.Nul\u0000",
                "com.example." + "A".repeat(70_000));
        RemoteFunction<List<String>, List<String>> load = ClassNames::load;
        assertEquals(List.of("java.lang.String"), c.call(load, List.of("java.lang.String")));
        long asked = router.stats().requests();
        long start = System.nanoTime();
        List<String> results = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> c.call(load, malformed));
        System.out.printf("%d malformed names refused in %s in %.1f ms (one call)%n", malformed.size(), c.method(),
                (System.nanoTime() - start) / 1e6);
        for (String r : results) {
            assertTrue(r.startsWith(ClassNotFoundException.class.getName() + ": malformed class name"), r);
        }
        assertTrue(results.get(0).contains("\"com.example.Trailing.\"") && results.get(0).contains("ends with '.'"),
                results.get(0));
        assertTrue(results.get(7).contains("\\u0000"), results.get(7));
        assertTrue(results.get(8).contains("longer than 4096 characters"), results.get(8).substring(0, 300));
        assertEquals(asked, router.stats().requests(), "the master was never asked");
        assertEquals(2, c.call(() -> 1 + 1), "the context is fine");
    }
}
