package dev.jitogen.core;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.jitogen.core.classload.ClassFinder;
import dev.jitogen.core.classload.ClassServer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layers of core, as docs/how-it-works.md draws them: dependencies run one way,
 * {@code wire ← stream ← serial / classload ← core (router, calls, API) ⇄ spi}, and the master layer is reached from
 * the classes a child runs only through the {@link Router} facade, whose master constructor a child never runs, and
 * never ships in a child's boot bundle. The {@code spi} package, what connection-method plugins build against, builds
 * only on core's public API, never on the master layer or the router's internals. Each rule is also shown failing on
 * a fixture with the fault it forbids.
 */
class LayersTest {
    private static final String CORE = "dev.jitogen.core";
    private static final String SPI = CORE + ".spi";
    /**
     * The master layer: the class service and its server, finder and policy, log printing, the id counter, the
     * bundle's build step. A child gets its classes from its parent's relay, logs through its parent, takes ids from
     * blocks, and has the bundle it was started with.
     */
    private static final List<String> MASTER_ONLY = List.of(MasterLayer.class.getName(),
            ClassService.class.getName(), LogPrinter.class.getName(),
            MasterIdAllocator.class.getName(), ClassServer.class.getName(), ClassFinder.class.getName(),
            ClassPolicy.class.getName(), BundleBuild.class.getName());
    /**
     * Classes shipped to children that may name master-only classes: the facade (the master's constructor and
     * builder) and the bundle, which calls its build step ({@link BundleBuild}, run in the master or the build only).
     */
    private static final Set<String> SEAMS = Set.of(Router.class.getName(), Router.Builder.class.getName(),
            CoreBundle.class.getName());

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(CORE);

    static boolean masterOnly(String name) {
        for (String m : MASTER_ONLY) if (name.equals(m) || name.startsWith(m + "$")) return true;
        return false;
    }

    private static final DescribedPredicate<JavaClass> MASTER_LAYER =
            DescribedPredicate.describe("are master-only", c -> masterOnly(c.getName()));
    private static final DescribedPredicate<JavaClass> SEAM =
            DescribedPredicate.describe("are the facade's seams", c -> SEAMS.contains(c.getName()));

    /** One-way dependencies between core's packages; the root package (router, calls, API) is the top. */
    static ArchRule packageLayers() {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("wire").definedBy(CORE + ".wire..")
                .layer("stream").definedBy(CORE + ".stream..")
                .layer("serial").definedBy(CORE + ".serial..")
                .layer("classload").definedBy(CORE + ".classload..")
                .layer("core").definedBy(CORE)
                .layer("spi").definedBy(SPI + "..")
                .whereLayer("core").mayOnlyBeAccessedByLayers("spi")
                .whereLayer("spi").mayOnlyBeAccessedByLayers("core")
                .whereLayer("spi").mayOnlyAccessLayers("core")
                .whereLayer("serial").mayOnlyBeAccessedByLayers("core")
                .whereLayer("classload").mayOnlyBeAccessedByLayers("core")
                .whereLayer("stream").mayOnlyBeAccessedByLayers("serial", "classload", "core")
                .whereLayer("wire").mayOnlyBeAccessedByLayers("stream", "serial", "classload", "core");
    }

    /** What core's public API is to a plugin: a public class of the root package, not of the master layer. */
    static boolean publicApi(JavaClass c) {
        return c.getPackageName().equals(CORE) && c.getModifiers().contains(JavaModifier.PUBLIC) && !masterOnly(c.getName());
    }

    /**
     * The spi builds on the JDK, the first stage (its token), itself and core's public API only: no master-only class
     * (a child that starts children runs it), no package-private seam, no internal package.
     */
    static ArchRule spiOnThePublicApi() {
        return classes().that().resideInAPackage(SPI + "..")
                .should().onlyDependOnClassesThat(DescribedPredicate.describe(
                        "are the JDK's, the first stage's, the spi's or core's public API (not the master layer)",
                        c -> c.getPackageName().startsWith("java.") || c.getPackageName().equals("dev.jitogen.bootstrap")
                                || c.getPackageName().equals(SPI)
                                || c.getPackageName().startsWith(SPI + ".") || publicApi(c)))
                .because("connection-method plugins build against the spi, and it travels to any context that starts "
                        + "children");
    }

    /** Only the master layer itself and the facade's seams depend on master-only classes. */
    static ArchRule masterLayerBehindFacade() {
        return noClasses().that(DescribedPredicate.not(MASTER_LAYER)).and(DescribedPredicate.not(SEAM))
                .should().dependOnClassesThat(MASTER_LAYER)
                .because("a child runs everything but the master layer, and reaches it only through the facade");
    }

    @Test
    void packagesDependOneWay() {
        packageLayers().check(MAIN);
    }

    @Test
    void onlyTheFacadeReachesTheMasterLayer() {
        masterLayerBehindFacade().check(MAIN);
    }

    @Test
    void theSpiBuildsOnThePublicApiOnly() {
        spiOnThePublicApi().check(MAIN);
    }

    @Test
    void theBootBundleShipsNoMasterOnlyClass() {
        Set<String> shipped = new TreeSet<>();
        for (String name : CoreBundle.get().names()) if (masterOnly(name)) shipped.add(name);
        assertEquals(Set.of(), shipped, "master-only classes in a child's boot bundle");
        assertTrue(CoreBundle.get().names().contains(ChildMain.class.getName()), "the bundle is a child's");
    }

    @Test
    void aBackEdgeFailsTheLayeringRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(fixture("dev.jitogen.core.wire.BackEdgeFixture"),
                Router.class);
        EvaluationResult result = packageLayers().evaluate(bad);
        assertTrue(result.hasViolation(), "the wire layer reaching up to Router must be reported");
        assertTrue(result.getFailureReport().toString().contains("BackEdgeFixture"), result.getFailureReport()::toString);
    }

    @Test
    void aReachIntoTheMasterLayerFailsItsRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(MasterOnlyFixture.class, ClassServer.class);
        EvaluationResult result = masterLayerBehindFacade().evaluate(bad);
        assertTrue(result.hasViolation(), "a class other than the facade naming ClassServer must be reported");
        assertTrue(result.getFailureReport().toString().contains("MasterOnlyFixture"),
                result.getFailureReport()::toString);
    }

    @Test
    void anSpiReachingTheMasterLayerFailsItsRule() {
        JavaClasses bad = new ClassFileImporter().importClasses(fixture(SPI_FIXTURE), ClassPolicy.class);
        EvaluationResult result = spiOnThePublicApi().evaluate(bad);
        assertTrue(result.hasViolation(), "an spi class naming ClassPolicy must be reported");
        assertTrue(result.getFailureReport().toString().contains("MasterReachFixture"),
                result.getFailureReport()::toString);
    }

    @Test
    void theRealRulesDoNotSeeTheFixtures() {
        assertFalse(MAIN.contain("dev.jitogen.core.wire.BackEdgeFixture"));
        assertFalse(MAIN.contain(MasterOnlyFixture.class.getName()));
        assertFalse(MAIN.contain(SPI_FIXTURE));
    }

    private static final String SPI_FIXTURE = SPI + ".MasterReachFixture";

    private static Class<?> fixture(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
