package dev.jitogen.core.classload;

import dev.jitogen.core.ClassPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a call's function reaches, which data may name: its class and the user's own classes it refers to,
 * transitively, decided from class files alone, whatever a child asks to be served.
 */
class CallClassesTest {
    private static final String FIXTURES = "dev.jitogen.core.fixtures.";
    private final ClassServer server = new ClassServer(new ClassFinder(getClass().getClassLoader()), ClassPolicy.permissive());

    @Test
    void aFunctionReachesWhatItsMethodsMakeThroughOtherClasses() {
        CallClasses calls = new CallClasses(server::ownCode);
        assertFalse(calls.contains(FIXTURES + "Disk"));
        calls.sent(FIXTURES + "DiskProbe"); // DiskProbe.probe() returns Object, made as a Disk
        assertTrue(calls.contains(FIXTURES + "DiskProbe"));
        assertTrue(calls.contains(FIXTURES + "Disk"));
        assertFalse(calls.contains(FIXTURES + "Gadget"), "nothing DiskProbe reaches names it");
    }

    @Test
    void servingAClassToAChildNeverMakesItAcceptable() {
        CallClasses calls = new CallClasses(server::ownCode);
        server.serve(FIXTURES + "Gadget", new java.util.HashSet<>(), 1 << 20); // a child asked for it
        calls.sent(FIXTURES + "DiskProbe");
        assertFalse(calls.contains(FIXTURES + "Gadget"));
    }

    @Test
    void jarsTheJdkAndJitogenItselfAreNotOwnCode() {
        assertTrue(server.ownCode(FIXTURES + "Disk") != null, "a class directory's class is own code");
        assertTrue(server.ownCode("com.esotericsoftware.kryo.Kryo") == null, "a jar's class is not");
        assertTrue(server.ownCode("java.util.ArrayList") == null, "nor the JDK's");
        assertTrue(server.ownCode(ClassServer.class.getName()) == null, "nor Jitogen's own");
        ClassServer denying = new ClassServer(new ClassFinder(getClass().getClassLoader()),
                ClassPolicy.builder().deny("dev.jitogen.core.fixtures").build());
        assertTrue(denying.ownCode(FIXTURES + "Disk") == null, "nor what the class policy refuses to serve");
    }

    @Test
    void aFunctionClassIsExploredOnce() {
        List<String> asked = new ArrayList<>();
        CallClasses calls = new CallClasses(name -> {
            asked.add(name);
            return server.ownCode(name);
        });
        calls.sent(FIXTURES + "DiskProbe");
        int first = asked.size();
        calls.sent(FIXTURES + "DiskProbe");
        assertEquals(first, asked.size());
    }
}
