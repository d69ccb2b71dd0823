package dev.jitogen.core.classload;

import dev.jitogen.core.fixtures.Disk;
import dev.jitogen.core.fixtures.Shouter;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ConstantPoolTest {
    /** Refers to other classes in every way a class file can: new, static call, field type, generics, annotations. */
    @SuppressWarnings("unused")
    static final class Referrer {
        Disk field;
        Map<String, List<Shouter>> generic;
        static int counter;

        int bump() {
            return ++counter;
        }

        @Deprecated
        Object make() {
            return new StringBuilder(Shouter.shout("x"));
        }
    }

    @Test
    void findsClassesNamedInInstructionsDescriptorsAndSignatures() throws Exception {
        byte[] b;
        try (InputStream in = Referrer.class.getResourceAsStream("ConstantPoolTest$Referrer.class")) {
            b = in.readAllBytes();
        }
        Set<String> refs = ConstantPool.referencedClasses(b);
        assertTrue(refs.contains(Disk.class.getName()), refs.toString());
        assertTrue(refs.contains(Shouter.class.getName()), refs.toString());
        assertTrue(refs.contains("java.lang.StringBuilder"), refs.toString());
        assertTrue(refs.contains("java.util.Map"), refs.toString());
        assertTrue(refs.contains("java.lang.Deprecated"), refs.toString());
        assertTrue(refs.contains(ConstantPoolTest.class.getName()), refs.toString());
    }

    @Test
    void findsTheFieldsAClassReads() throws Exception {
        byte[] b;
        try (InputStream in = Referrer.class.getResourceAsStream("ConstantPoolTest$Referrer.class")) {
            b = in.readAllBytes();
        }
        List<ConstantPool.FieldRef> refs = ConstantPool.fieldRefs(b);
        assertTrue(refs.contains(new ConstantPool.FieldRef(Referrer.class.getName(), "counter")), refs.toString());
    }

    @Test
    void refusesSomethingThatIsNotAClassFile() {
        assertThrows(IllegalArgumentException.class, () -> ConstantPool.referencedClasses(new byte[]{1, 2, 3, 4, 0, 0, 0, 0, 0, 0}));
    }
}
