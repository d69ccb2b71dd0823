package dev.jitogen.plugins.ssh;

import dev.jitogen.core.ChannelError;
import dev.jitogen.core.Context;
import dev.jitogen.core.PasswordError;
import dev.jitogen.core.Receiver;
import dev.jitogen.core.Router;
import dev.jitogen.core.StreamError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** SSH contexts against an embedded MINA server on loopback: auth modes, host keys, config, errors, many hosts. */
class SshTest {
    static TestSshServer server;
    static Router router;

    @BeforeAll
    static void start() throws Exception {
        server = new TestSshServer();
        router = Router.create();
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        server.close();
    }

    @Test
    void keyAuthenticationWithAnIdentityFileRunsAFunctionRemotely() {
        Context c = server.ssh().name("keyed").connect(router);
        assertEquals(System.getProperty("user.name"), c.call(() -> System.getProperty("user.name")));
        long pid = c.call(() -> ProcessHandle.current().pid());
        assertTrue(ProcessHandle.of(pid).isPresent());
        assertEquals(pid, c.pid(), "the remote JVM's pid, as it reported it");
        assertEquals("ssh", c.method());
        c.shutdown();
        assertFalse(c.isConnected());
    }

    @Test
    void anSshChildsRawStderrIsLoggedAndItsDeathSeenWithoutAThreadOfItsOwn() throws Exception {
        Context c = server.ssh().name("raw-stderr").connect(router);
        c.call(() -> {
            // past System.err, which the child forwards as log records: straight to the process's fd 2
            new java.io.FileOutputStream(java.io.FileDescriptor.err).write("written on fd 2\n".getBytes());
            return null;
        });
        long end = System.nanoTime() + 20_000_000_000L;
        while (!c.recentLog().contains("stderr: written on fd 2") && System.nanoTime() < end) Thread.sleep(20);
        assertTrue(c.recentLog().contains("stderr: written on fd 2"), c.recentLog().toString());
        c.callNoReply(() -> Runtime.getRuntime().halt(3));
        assertTrue(c.awaitDisconnect(Duration.ofSeconds(30)), "the end of the channel reached the master");
    }

    /**
     * The master writes an SSH child's stdin as packets within the remote window: a child that stops reading (here
     * stopped outright) leaves a large call's write waiting for room, until the stream's watchdog closes the stream;
     * the call then fails, and the master's other contexts go on.
     */
    @Test
    void aStoppedSshChildStallsAWriteUntilTheWatchdogClosesItsStreamAndTheOthersGoOn() throws Exception {
        try (Router stalling = Router.builder().stallTimeout(Duration.ofSeconds(2)).build()) {
            Context stopped = server.ssh().name("stopped").connect(stalling);
            Context other = server.ssh().name("still-here").connect(stalling);
            String pid = Long.toString(stopped.pid());
            assertEquals(0, new ProcessBuilder("kill", "-STOP", pid).start().waitFor());
            try {
                byte[] big = new byte[32 << 20]; // far more than the remote window and the pipe behind it hold
                Receiver<Integer> r = stopped.callAsync(b -> b.length, big);
                assertThrows(ChannelError.class, () -> r.get(Duration.ofSeconds(60)));
                assertFalse(stopped.isConnected());
                assertEquals(2, other.call(() -> 1 + 1));
            } finally {
                new ProcessBuilder("kill", "-CONT", pid).start().waitFor();
            }
        }
    }

    @Test
    void unnamedContextsAreNamedAsInMitogenAndChainedWithDotsThroughVia() {
        String base = "ssh.127.0.0.1:" + server.port();
        try (Router naming = Router.create()) {
            Context first = server.ssh().connect(naming);
            assertEquals(base, first.name());
            Context second = server.ssh().connect(naming);
            assertEquals(base + "." + second.id(), second.name(), "made unique");
            Context hop = server.ssh().via(first).connect(naming);
            assertEquals(base + "." + base, hop.name());
            assertEquals(hop.call(() -> ProcessHandle.current().pid()), hop.pid(), "the pid through via too");
            Context root = dev.jitogen.plugins.become.Sudo.as("root").via(first).connect(naming);
            assertEquals(base + ".sudo.root", root.name());
        }
    }

    @Test
    void passwordAuthenticationWorksAndAWrongOneIsAPasswordError() {
        String user = System.getProperty("user.name");
        Ssh base = Ssh.to("127.0.0.1").port(server.port()).username(user).identitiesOnly(true)
                .checkHostKeys(HostKeyPolicy.IGNORE);
        Context c = base.password(TestSshServer.PASSWORD).connect(router);
        assertEquals(42, c.call(() -> 40 + 2));
        PasswordError wrong = assertThrows(PasswordError.class, () -> Ssh.to("127.0.0.1").port(server.port())
                .username(user).identitiesOnly(true).checkHostKeys(HostKeyPolicy.IGNORE).password("wrong").connect(router));
        assertTrue(wrong.getMessage().contains("password was refused"), wrong.getMessage());
        PasswordError none = assertThrows(PasswordError.class, () -> Ssh.to("127.0.0.1").port(server.port())
                .username(user).identitiesOnly(true).checkHostKeys(HostKeyPolicy.IGNORE).connect(router));
        assertTrue(none.getMessage().contains("no password was given"), none.getMessage());
    }

    @Test
    void hostKeysAreEnforcedAcceptedAndChangesRefused() throws Exception {
        Path knownHosts = Files.createTempFile("known_hosts", "");
        HostKeyError unknown = assertThrows(HostKeyError.class, () -> server.ssh()
                .checkHostKeys(HostKeyPolicy.ENFORCE).knownHosts(knownHosts).connect(router));
        assertTrue(unknown.getMessage().contains("is not in " + knownHosts), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("--check-host-keys accept"), "the flag as typed: " + unknown.getMessage());

        Context accepted = server.ssh().checkHostKeys(HostKeyPolicy.ACCEPT).knownHosts(knownHosts).connect(router);
        assertEquals(1, accepted.call(() -> 1));
        String entries = Files.readString(knownHosts);
        assertTrue(entries.contains("[127.0.0.1]:" + server.port()), "accept appends the new key: " + entries);

        Context enforced = server.ssh().checkHostKeys(HostKeyPolicy.ENFORCE).knownHosts(knownHosts).connect(router);
        assertEquals(2, enforced.call(() -> 2));

        // a different key recorded for the host: the server's key has "changed"
        Path other = Files.createTempDirectory("otherkey").resolve("k");
        TestSshServer.keygen(other, "ed25519");
        String otherKey = Files.readString(Path.of(other + ".pub")).trim().replaceAll(" jitogen-test$", "");
        Files.writeString(knownHosts, "[127.0.0.1]:" + server.port() + " " + otherKey + "\n");
        for (HostKeyPolicy p : List.of(HostKeyPolicy.ENFORCE, HostKeyPolicy.ACCEPT)) {
            HostKeyError changed = assertThrows(HostKeyError.class,
                    () -> server.ssh().checkHostKeys(p).knownHosts(knownHosts).connect(router));
            assertTrue(changed.getMessage().contains("CHANGED"), changed.getMessage());
        }
    }

    @Test
    void acceptCreatesTheSshDirectoryAndKnownHostsFilePrivatelyAndRecordsTheKey() throws Exception {
        Path home = Files.createTempDirectory("home");
        Path knownHosts = home.resolve(".ssh/known_hosts");
        Context c = server.ssh().checkHostKeys(HostKeyPolicy.ACCEPT).knownHosts(knownHosts).connect(router);
        assertEquals(4, c.call(() -> 4));
        c.shutdown();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(knownHosts.getParent())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(knownHosts)));
        assertTrue(Files.readString(knownHosts).contains("[127.0.0.1]:" + server.port()), Files.readString(knownHosts));
        // recorded, so enforced from now on
        Context again = server.ssh().checkHostKeys(HostKeyPolicy.ENFORCE).knownHosts(knownHosts).connect(router);
        assertEquals(5, again.call(() -> 5));
        again.shutdown();
    }

    @Test
    void manyConnectionsMeetingANewHostAtOnceRecordItsKeyOnce() throws Exception {
        Path knownHosts = Files.createTempDirectory("kh").resolve("known_hosts");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Context>> opening = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                opening.add(pool.submit(() -> server.ssh().checkHostKeys(HostKeyPolicy.ACCEPT).knownHosts(knownHosts)
                        .connect(router)));
            }
            for (Future<Context> f : opening) f.get().shutdown();
        } finally {
            pool.shutdown();
        }
        long entries = Files.readAllLines(knownHosts).stream().filter(l -> !l.isBlank()).count();
        assertEquals(1, entries, Files.readString(knownHosts));
    }

    @Test
    void hashedKnownHostsEntriesAreHonoured() throws Exception {
        Path knownHosts = Files.createTempFile("known_hosts", "");
        server.ssh().checkHostKeys(HostKeyPolicy.ACCEPT).knownHosts(knownHosts).connect(router).shutdown();
        Process p = new ProcessBuilder("ssh-keygen", "-H", "-f", knownHosts.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertTrue(Files.readString(knownHosts).startsWith("|1|"), "ssh-keygen -H hashed the entry");
        Context c = server.ssh().checkHostKeys(HostKeyPolicy.ENFORCE).knownHosts(knownHosts).connect(router);
        assertEquals(3, c.call(() -> 3));
    }

    @Test
    void sshConfigHostAliasesAreResolved() throws Exception {
        Path config = Files.createTempFile("ssh_config", "");
        Files.writeString(config, "Host testbox\n  HostName 127.0.0.1\n  Port " + server.port() + "\n  User "
                + System.getProperty("user.name") + "\n  IdentityFile " + server.userKey + "\n  IdentitiesOnly yes\n");
        Context c = Ssh.to("testbox").configFile(config).checkHostKeys(HostKeyPolicy.IGNORE).connect(router);
        assertEquals("configured", c.call(() -> "configured"));
        assertEquals("ssh.testbox:" + server.port(), c.name(), "the alias as given, the port as configured");
    }

    @Test
    void proxyJumpInTheConfigGoesThroughTheJumpHost() throws Exception {
        Path config = Files.createTempFile("ssh_config", "");
        String common = "  HostName 127.0.0.1\n  Port " + server.port() + "\n  User " + System.getProperty("user.name")
                + "\n  IdentityFile " + server.userKey + "\n  IdentitiesOnly yes\n";
        Files.writeString(config, "Host jump\n" + common + "Host inner\n" + common + "  ProxyJump jump\n");
        long before = server.server.getActiveSessions().size();
        Context c = Ssh.to("inner").configFile(config).checkHostKeys(HostKeyPolicy.IGNORE).connect(router);
        assertEquals("jumped", c.call(() -> "jumped"));
        assertTrue(server.server.getActiveSessions().size() >= before + 2, "a session to the jump host and one through it");
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread holder = new Thread(() -> {
                try {
                    while (true) silent.accept(); // accepts, then says nothing
                } catch (java.io.IOException closed) {
                    // done
                }
            });
            holder.setDaemon(true);
            holder.start();
            long t0 = System.nanoTime();
            StreamError e = assertThrows(StreamError.class, () -> Ssh.to("127.0.0.1").port(silent.getLocalPort())
                    .checkHostKeys(HostKeyPolicy.IGNORE).connectTimeout(Duration.ofMillis(1500)).connect(router));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage() + " / cause: " + e.getCause());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "within the connect timeout, give or take");
        }
    }

    @Test
    void javaOlderThanRequiredOnTheTargetIsAStreamError() throws Exception {
        // stub: no JDK older than 17 can be installed here, so this java raises the first stage's requirement above
        // the real JVM; the first stage's own version check then fails exactly as on an old JVM
        Path stub = Files.createTempFile("stub-java-older-than-required", ".sh");
        Files.writeString(stub, "#!/bin/sh\nreal=$1; shift\nn=$#; i=0\nfor a in \"$@\"; do i=$((i+1)); "
                + "[ $i -eq 1 ] && set --; if [ $i -eq $n ]; then set -- \"$@\" 99; else set -- \"$@\" \"$a\"; fi; done\n"
                + "exec \"$real\" \"$@\"\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (OpenSshServer sshd = openSsh()) {
            StreamError e = assertThrows(StreamError.class, () -> sshd.ssh().javaPath("/bin/sh", stub.toString(), java)
                    .connect(router));
            assertTrue(e.getMessage().contains("needs Java 99 or newer"), e.getMessage());
        }
    }

    /**
     * Over SSH the master sends the core bundle with the command, before the first stage says it is ready, so that
     * it crosses the link while the remote JVM starts. This target's java is a real one behind a stub that starts it
     * only once the whole bundle has arrived (the length, then the packed, deflated bundle) and then hands it on: a
     * master that waited for the first stage's readiness first would wait forever, and the start would fail at its
     * timeout.
     */
    @Test
    void theBundleGoesWithTheCommandBeforeTheFirstStageIsReady() throws Exception {
        int early = 4 + Router.coreBundleBytes();
        Path stub = Files.createTempFile("stub-java-that-waits-for-the-bundle", ".sh");
        Files.writeString(stub, "#!/bin/sh\nreal=$1; shift\nd=$(mktemp -d) && head -c " + early + " > \"$d/early\" "
                + "|| exit 1\n{ cat \"$d/early\"; rm -rf \"$d\"; exec cat; } | \"$real\" \"$@\"\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try (OpenSshServer sshd = openSsh()) {
            Context c = sshd.ssh().javaPath("/bin/sh", stub.toString(), java).connectTimeout(Duration.ofSeconds(20))
                    .connect(router);
            assertEquals(List.of(1, 4, 9), c.call(() -> List.of(1, 2, 3).stream().map(x -> x * x).toList()));
            c.shutdown();
        } finally {
            Files.deleteIfExists(stub);
        }
    }

    /**
     * The real OpenSSH server, for what a target prints on stderr as it fails to start: a command's last words reach
     * the client from OpenSSH even after the client wrote to its stdin (the core bundle goes before the first stage
     * is ready), while MINA's own server ({@link TestSshServer}) drops them once a write to the ended process fails.
     */
    private static OpenSshServer openSsh() throws Exception {
        assumeTrue(OpenSshServer.binary() != null, "no sshd binary (apt-get install openssh-server)");
        return new OpenSshServer();
    }

    @Test
    void refusedConnectionUnknownHostAndMissingJavaAreClearStreamErrors() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        StreamError refused = assertThrows(StreamError.class, () -> Ssh.to("127.0.0.1").port(closedPort)
                .checkHostKeys(HostKeyPolicy.IGNORE).connect(router));
        assertTrue(refused.getMessage().contains("connection refused"), refused.getMessage());

        StreamError unknown = assertThrows(StreamError.class, () -> Ssh.to("no-such-host.invalid")
                .checkHostKeys(HostKeyPolicy.IGNORE).connectTimeout(Duration.ofSeconds(10)).connect(router));
        assertTrue(unknown.getMessage().contains("unknown host"), unknown.getMessage());

        try (OpenSshServer sshd = openSsh()) {
            StreamError noJava = assertThrows(StreamError.class, () -> sshd.ssh().javaPath("/nonexistent/bin/java")
                    .connect(router));
            assertTrue(noJava.getMessage().contains("java not found on the target"), noJava.getMessage());
        }
    }

    @Test
    void theSshMethodParsesWhatTheShellCommandTakes() {
        SshMethod m = new SshMethod();
        Context c = m.connect(router, "viamethod", java.util.Map.of(
                "destination", System.getProperty("user.name") + "@127.0.0.1:" + server.port(),
                "identity", server.userKey.toString(), "identities-only", "true", "check-host-keys", "ignore",
                "no-compression", "true"), null);
        assertEquals("viamethod", c.name());
        assertEquals(5, c.call(() -> 5));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> m.connect(router, "x",
                java.util.Map.of("destination", "h", "check-host-keys", "maybe"), null));
        assertTrue(bad.getMessage().contains("enforce, accept or ignore"));
    }

    @Test
    void compressionIsOffByDefaultAsInOpenSshAndOnWhenAsked() {
        long before = zlibSessions();
        Context plain = server.ssh().name("plain").connect(router);
        assertEquals(5, plain.call(() -> 5));
        assertEquals(before, zlibSessions(), "a default connection is not compressed");
        Context zipped = server.ssh().name("zipped").compression(true).connect(router);
        assertEquals(6, zipped.call(() -> 6));
        assertEquals(before + 1, zlibSessions(), "compression(true) negotiates zlib");
        plain.shutdown();
        zipped.shutdown();
    }

    /** The server's sessions that agreed on zlib for what the client sends. */
    private static long zlibSessions() {
        return server.server.getActiveSessions().stream().filter(s -> "zlib".equals(
                s.getNegotiatedKexParameter(org.apache.sshd.common.kex.KexProposalOption.C2SCOMP))).count();
    }
}
