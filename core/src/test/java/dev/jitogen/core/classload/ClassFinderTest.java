package dev.jitogen.core.classload;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The finder remembers what it found, and a bounded number of names it did not find. */
class ClassFinderTest {
    @Test
    void theCacheOfMissingNamesKeepsOnlyTheMostRecent() {
        ClassFinder finder = new ClassFinder(ClassFinderTest.class.getClassLoader());
        for (int i = 0; i < 3 * ClassFinder.MISSES; i++) assertNull(finder.find("made.up.Name" + i));
        assertEquals(ClassFinder.MISSES, finder.misses());
        assertNull(finder.find("x".repeat(5000)), "a name no class can have");
        assertEquals(ClassFinder.MISSES, finder.misses(), "is not remembered");
        assertNotNull(finder.find(ClassFinderTest.class.getName()), "classes that exist are still found");
    }
}
