package dev.jitogen.shell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code /ssh} against a real OpenSSH sshd on loopback: without NAME it binds a variable made from the host and the
 * context is named as in Mitogen; the "started" line shows the remote JVM's pid.
 */
class SshCommandTest extends ShellTestSupport {
    static LoopbackSshd sshd;

    @BeforeAll
    static void startSshd() throws Exception {
        if (!LoopbackSshd.available()) System.out.println("SshCommandTest skipped: no /usr/sbin/sshd (.ci/run installs it)");
        assumeTrue(LoopbackSshd.available(), "no sshd");
        sshd = new LoopbackSshd("");
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) sshd.close();
    }

    private static final Pattern STARTED = Pattern.compile("started (\\S+) as (\\w+) \\(ssh, id \\d+, pid (\\d+)\\)");

    @Test
    void withoutANameTheVariableComesFromTheHostAndTheContextIsNamedAsInMitogen() {
        String out = run("/ssh " + sshd.destination() + " " + sshd.flags());
        Matcher m = STARTED.matcher(out);
        assertTrue(m.find(), out);
        assertEquals("ssh.127.0.0.1:" + sshd.port, m.group(1));
        assertEquals("host_127_0_0_1", m.group(2));
        long pid = Long.parseLong(m.group(3));
        assertTrue(run("host_127_0_0_1.call(() -> ProcessHandle.current().pid())").endsWith("==> " + pid),
                "the pid shown is the remote JVM's");
        assertTrue(run("host_127_0_0_1.name()").endsWith("==> \"ssh.127.0.0.1:" + sshd.port + "\""));

        // the same host again: the next free variable, and the name made unique
        Matcher again = STARTED.matcher(run("/ssh " + sshd.destination() + " " + sshd.flags()));
        assertTrue(again.find());
        assertEquals("host_127_0_0_1_2", again.group(2));
        assertTrue(again.group(1).startsWith("ssh.127.0.0.1:" + sshd.port + "."), again.group(1));

        // with a NAME, as before
        assertTrue(run("/ssh named " + sshd.destination() + " " + sshd.flags()).contains("started named (ssh, id"));
        run("/disconnect host_127_0_0_1");
        run("/disconnect host_127_0_0_1_2");
        run("/disconnect named");
    }
}
