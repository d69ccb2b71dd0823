package dev.jitogen.shell;

import dev.jitogen.plugins.ssh.HostKeyPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code jitogen on} and {@code jitogen sh}, one-shot, against a real OpenSSH server on loopback: an inventory of two
 * hosts that reach it and one whose port is closed. Output blocks, {@code --json} lines, and exit statuses (0 all
 * succeeded, 1 any failed, 2 usage). Skipped, saying why, where no sshd exists.
 */
class OneShotTest {
    private static LoopbackSshd sshd;
    private static Path inventory;
    private static int closedPort;

    /** What one run printed, and its exit status. */
    record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    @BeforeAll
    static void fleet() throws Exception {
        if (LoopbackSshd.binary() == null) System.out.println("OneShotTest skipped: no sshd (apt-get install openssh-server)");
        assumeTrue(LoopbackSshd.binary() != null, "no sshd binary");
        sshd = new LoopbackSshd();
        closedPort = LoopbackSshd.freePort();
        inventory = sshd.dir.resolve("hosts.yml");
        Files.writeString(inventory, String.join("\n",
                "all:",
                "  vars:",
                "    ansible_host: 127.0.0.1",
                "    ansible_port: " + sshd.port,
                "    ansible_ssh_private_key_file: " + sshd.userKey,
                "  children:",
                "    web:",
                "      hosts:",
                "        web[1:2]:",
                "    down:",
                "      hosts:",
                "        gone: {ansible_port: " + closedPort + "}",
                ""));
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) sshd.close();
    }

    private static OneShot.Options options(String pattern, boolean json) {
        return new OneShot.Options(pattern, List.of(inventory), 20, HostKeyPolicy.IGNORE, json);
    }

    private interface Body {
        int run(PrintStream out, PrintStream err);
    }

    private static Run capture(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = body.run(o, e);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs the launcher's command line in this JVM, as {@code ./jitogen ARGS} would. */
    private static Run main(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        try {
            return capture((out, err) -> {
                System.setOut(out);
                System.setErr(err);
                picocli.CommandLine cl = Main.commandLine();
                cl.setOut(new java.io.PrintWriter(out, true));
                cl.setErr(new java.io.PrintWriter(err, true));
                return cl.execute(args);
            });
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void shPrintsOneBlockPerHostAndExitsZeroWhenEveryHostSucceeds() {
        Run r = main("sh", "web", "-i", inventory.toString(), "--check-host-keys", "ignore", "--forks", "1",
                "--", "echo", "out;", "echo", "err", ">&2;", "id", "-un");
        assertEquals(0, r.status(), r.toString());
        String user = System.getProperty("user.name");
        for (String h : List.of("web1", "web2")) {
            assertTrue(r.out().contains("[" + h + "] out\n       " + user + "\n[" + h + "] stderr: err\n[" + h + "] exit 0"), r.out());
        }
        assertTrue(r.err().matches("2 ok, 0 failed in \\d+\\.\\d\\d s\\n"), r.err());
    }

    @Test
    void shJsonLinesCarryStdoutStderrAndExitAndAnUnreachableHostFailsAlone() {
        Run r = capture((out, err) -> OneShot.sh(options("all", true), "printf 'a\"b\\n\\tc'; exit 3", out, err));
        assertEquals(1, r.status(), r.toString());
        assertEquals(3, r.lines().size(), r.out());
        for (String h : List.of("web1", "web2")) {
            assertTrue(r.lines().stream().anyMatch(l -> l.matches(Pattern.quote("{\"host\":\"" + h + "\",\"ok\":false,"
                    + "\"stdout\":\"a\\\"b\\n\\tc\",\"stderr\":\"\",\"exit\":3,\"error\":null,\"ms\":") + "\\d+}")), r.out());
        }
        assertTrue(r.lines().stream().anyMatch(l -> l.matches(Pattern.quote("{\"host\":\"gone\",\"ok\":false,"
                + "\"stdout\":null,\"stderr\":null,\"exit\":null,\"error\":\"ssh to 127.0.0.1:" + closedPort
                + ": connection refused (is sshd running there, on that port?)\",\"ms\":") + "\\d+}")), r.out());
        assertTrue(r.err().startsWith("0 ok, 3 failed in "), r.err());
    }

    @Test
    void onEvaluatesAnExpressionOnEveryHostAndJsonCarriesItsValue() {
        Run r = capture((out, err) -> OneShot.on(options("web", true),
                "java.util.List.of(1, \"two\", System.getProperty(\"user.name\"))", out, err));
        assertEquals(0, r.status(), r.toString());
        for (String h : List.of("web1", "web2")) {
            assertTrue(r.lines().stream().anyMatch(l -> l.matches(Pattern.quote("{\"host\":\"" + h + "\",\"ok\":true,"
                    + "\"value\":[1,\"two\",\"" + System.getProperty("user.name") + "\"],\"error\":null,\"ms\":") + "\\d+}")), r.out());
        }
    }

    @Test
    void onPrintsEachHostsValueOrErrorInABlockAndExitsOneIfAnyFailed() {
        Run r = main("on", "web:gone", "-i", inventory.toString(), "--check-host-keys", "ignore", "--",
                "\"up\\nand running\"");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.out().contains("[web1] up\n       and running"), r.out());
        assertTrue(r.out().contains("[gone] failed: ssh to 127.0.0.1:" + closedPort + ": connection refused"), r.out());
        Run thrown = capture((out, err) -> OneShot.on(options("web[0]", false), "Integer.parseInt(\"x\")", out, err));
        assertEquals(1, thrown.status(), thrown.toString());
        assertEquals("[web1] failed: java.lang.NumberFormatException: For input string: \"x\"\n", thrown.out());
    }

    @Test
    void usageErrorsExitTwoAndSayWhatIsWrong() {
        Run missing = main("sh", "web", "-i", sshd.dir.resolve("nope.ini").toString(), "--", "true");
        assertEquals(2, missing.status());
        assertTrue(missing.err().startsWith("jitogen sh: inventory file " + sshd.dir.resolve("nope.ini") + " not found"), missing.err());
        Run unknown = main("on", "webb", "-i", inventory.toString(), "--", "1");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("no host or group called webb in " + inventory + " (did you mean web?)"), unknown.err());
        Run noCommand = main("sh", "web", "-i", inventory.toString());
        assertEquals(2, noCommand.status());
        assertTrue(noCommand.err().startsWith("jitogen: Missing required parameter: 'COMMAND'"), noCommand.err());
        Run forks = main("sh", "web", "-i", inventory.toString(), "--forks", "0", "--", "true");
        assertEquals(2, forks.status());
        assertEquals("jitogen sh: --forks takes a number of hosts, 1 or more, not 0\n", forks.err());
        Run policy = main("sh", "web", "-i", inventory.toString(), "--check-host-keys", "maybe", "--", "true");
        assertEquals(2, policy.status());
        assertEquals("jitogen sh: --check-host-keys takes enforce, accept or ignore, not maybe\n", policy.err());
        Run compile = capture((out, err) -> OneShot.on(options("web", false), "nosuch(1)", out, err));
        assertEquals(2, compile.status());
        assertTrue(compile.err().contains("cannot find symbol") && compile.out().isEmpty(), compile.toString());
        Run noInventory = capture((out, err) -> OneShot.sh(new OneShot.Options("web", List.of(), 20,
                HostKeyPolicy.IGNORE, false), "true", out, err));
        assumeTrue(System.getenv("JITOGEN_INVENTORY") == null, "JITOGEN_INVENTORY is set in this environment");
        assertEquals(2, noInventory.status());
        assertEquals("jitogen sh: give an inventory with -i FILE (or set JITOGEN_INVENTORY)\n", noInventory.err());
    }
}
