package org.sparsescope.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of architecture.md, checked on the compiled classes: each rule fails the build when broken. */
class LayeringTest {
    private static final JavaClasses PRODUCT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.sparsescope");

    @Test
    void theEngineIsUsedOnlyInsideCompute() {
        noClasses()
                .that()
                .resideOutsideOfPackage("org.sparsescope.compute..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ai.djl..")
                .because("DJL arrays stay inside compute; view-models and views get Java arrays and records")
                .check(PRODUCT);
    }

    @Test
    void viewModelsNeverTouchTheSceneGraph() {
        noClasses()
                .that()
                .resideInAPackage("org.sparsescope.viewmodels..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("javafx.scene..")
                .because("view-models are tested without a display")
                .check(PRODUCT);
    }

    @Test
    void computeKnowsNothingOfJavaFx() {
        noClasses()
                .that()
                .resideInAPackage("org.sparsescope.compute..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("javafx..")
                .check(PRODUCT);
    }

    @Test
    void computeAndViewModelsNeverReachIntoTheApp() {
        noClasses()
                .that()
                .resideInAnyPackage("org.sparsescope.compute..", "org.sparsescope.viewmodels..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.sparsescope.app..")
                .check(PRODUCT);
    }

    /** The views: what binds and lays out (the launcher, the background service and the tour and bench tools are not views). */
    private static final com.tngtech.archunit.base.DescribedPredicate<com.tngtech.archunit.core.domain.JavaClass>
            VIEWS = com.tngtech.archunit.base.DescribedPredicate.describe(
                    "views",
                    c -> (c.getPackageName().equals("org.sparsescope.app.ui")
                                    || c.getPackageName().equals("org.sparsescope.app.plot"))
                            && !java.util.Set.of(
                                            "SparsescopeApp", "FxBackground", "Screenshots", "SmokeTest", "UiBench")
                                    .contains(c.getName()
                                            .substring(c.getPackageName().length() + 1)
                                            .replaceAll("\\$.*", "")));

    @Test
    void viewsReadOnlyViewModelsAndJavaFx() {
        noClasses()
                .that(VIEWS)
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.sparsescope.compute..")
                .because(
                        "views only bind and lay out: the view-models hold state, parse input and turn compute's values into theirs")
                .check(PRODUCT);
    }
}
