package dev.jitogen.plugins;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.jitogen.core.stream.MemoryPipe;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plugins build against core's public API (the root package), the {@code spi} package made for connection methods,
 * and the two wire classes the handler API hands them ({@link Message}, {@link Handles}): never against the router's
 * internal packages (stream, serial, classload), so that core can change those without breaking a plugin. Shown
 * failing on a fixture that reaches into {@code stream}.
 */
class CoreSurfaceTest {
    private static final String CORE = "dev.jitogen.core";
    private static final Set<String> WIRE_API = Set.of(Message.class.getName(), Handles.class.getName());

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.jitogen.plugins");

    private static final DescribedPredicate<JavaClass> CORE_INTERNALS = DescribedPredicate.describe(
            "are core's internals (not its public API, its spi, Message or Handles)", c -> {
                String p = c.getPackageName();
                if (!p.equals(CORE) && !p.startsWith(CORE + ".")) return false;
                if (p.equals(CORE) || p.equals(CORE + ".spi")) return false;
                return !WIRE_API.contains(c.getName());
            });

    static ArchRule pluginsUseTheApiAndTheSpi() {
        return noClasses().that().resideInAPackage("dev.jitogen.plugins..")
                .should().dependOnClassesThat(CORE_INTERNALS)
                .because("plugins build against core's public API and its spi package, never its internals");
    }

    @Test
    void pluginsBuildOnTheApiAndTheSpiOnly() {
        assertTrue(MAIN.contain("dev.jitogen.plugins.ssh.SshMethod"), "the plugins' classes are imported");
        pluginsUseTheApiAndTheSpi().check(MAIN);
    }

    @Test
    void aReachIntoCoresInternalsFailsTheRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(InternalsFixture.class, MemoryPipe.class);
        EvaluationResult result = pluginsUseTheApiAndTheSpi().evaluate(bad);
        assertTrue(result.hasViolation(), "a plugin class naming MemoryPipe must be reported");
        assertTrue(result.getFailureReport().toString().contains("InternalsFixture"), result.getFailureReport()::toString);
        assertFalse(MAIN.contain(InternalsFixture.class.getName()), "the real rule never sees the fixture");
    }
}
