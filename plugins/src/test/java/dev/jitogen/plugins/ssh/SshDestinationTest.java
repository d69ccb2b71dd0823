package dev.jitogen.plugins.ssh;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Destinations as users write them, parsed once for connecting, naming a shell variable and the bench's link. */
class SshDestinationTest {
    @Test
    void userHostAndPortAreReadAsOpenSshReadsThem() {
        assertEquals(new SshMethod.Destination("deploy", "web1.example.org", 2222),
                SshMethod.Destination.parse("deploy@web1.example.org:2222"));
        assertEquals(new SshMethod.Destination(null, "web1", 0), SshMethod.Destination.parse("web1"));
        assertEquals(new SshMethod.Destination("a@b", "h", 0), SshMethod.Destination.parse("a@b@h"));
        assertEquals(new SshMethod.Destination(null, "fe80::1", 0), SshMethod.Destination.parse("fe80::1"));
        assertEquals(-1, SshMethod.Destination.parse("web1:70000").port());
        assertEquals(-1, SshMethod.Destination.parse("web1:ssh").port());
    }

    @Test
    void theShellVariableComesFromTheHostAlone() {
        SshMethod m = new SshMethod();
        assertEquals("web1_example_org", m.variableFor(Map.of("destination", "deploy@web1.example.org:2222")));
        assertEquals("host_10_0_0_5", m.variableFor(Map.of("destination", "10.0.0.5")));
    }
}
