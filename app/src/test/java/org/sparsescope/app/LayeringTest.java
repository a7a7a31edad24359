package org.sparsescope.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering of architecture.md, checked on the compiled classes: each rule fails the build when broken. */
class LayeringTest {
    private static final JavaClasses PRODUCT = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.sparsescope");

    @Test
    void theEngineIsUsedOnlyInsideCompute() {
        noClasses().that().resideOutsideOfPackage("org.sparsescope.compute..").should().dependOnClassesThat().resideInAPackage("ai.djl..")
                .because("DJL arrays stay inside compute; view-models and views get Java arrays and records").check(PRODUCT);
    }

    @Test
    void viewModelsNeverTouchTheSceneGraph() {
        noClasses().that().resideInAPackage("org.sparsescope.viewmodels..").should().dependOnClassesThat().resideInAPackage("javafx.scene..")
                .because("view-models are tested without a display").check(PRODUCT);
    }

    @Test
    void computeKnowsNothingOfJavaFx() {
        noClasses().that().resideInAPackage("org.sparsescope.compute..").should().dependOnClassesThat().resideInAPackage("javafx..")
                .check(PRODUCT);
    }

    @Test
    void computeAndViewModelsNeverReachIntoTheApp() {
        noClasses().that().resideInAnyPackage("org.sparsescope.compute..", "org.sparsescope.viewmodels..").should().dependOnClassesThat()
                .resideInAPackage("org.sparsescope.app..").check(PRODUCT);
    }
}
