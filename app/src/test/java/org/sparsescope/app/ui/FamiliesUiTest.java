package org.sparsescope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.features.FeatureRow;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The real window with a Gemma Scope 2 dictionary on a tiny Gemma 3 and a Llama Scope dictionary on a tiny Llama,
 * each model found in a hub cache under the id its release names: both are measured on their own model and hook,
 * and every tab works on them once (features and examples, MCS, ablation, training, circuits, the inspector,
 * generation).
 */
class FamiliesUiTest extends WindowTest {
    private static Path gemmaScope;
    private static Path llamaScope;

    @Start
    void start(Stage stage) throws Exception {
        Path root = Files.createTempDirectory("sparsescope-families");
        Path hub = root.resolve("hub");
        Reference.inHubCache(hub, "google/gemma-3-1b-pt", "a1", Reference.testResource("families/gemma3"));
        Reference.inHubCache(hub, "meta-llama/Llama-3.1-8B", "b2", Reference.testResource("families/llama"));
        gemmaScope = root.resolve("dictionaries/gemma-scope-2-1b-pt/resid_post_all/layer_2_width_16k_l0_small");
        Reference.copyFolder(
                Reference.testResource("releases/gemma-scope-2-1b-pt/resid_post_all/layer_2_width_16k_l0_small"),
                gemmaScope);
        llamaScope = root.resolve("dictionaries/Llama3_1-8B-Base-LXR-8x/Llama3_1-8B-Base-L1R-8x");
        Reference.copyFolder(
                Reference.testResource("releases/Llama3_1-8B-Base-LXR-8x/Llama3_1-8B-Base-L1R-8x"), llamaScope);
        System.setProperty("sparsescope.hubCache", hub.toString());
        openOnce(stage, root.resolve("ws"), List.of(gemmaScope, llamaScope), 8_000, 1400, 880);
    }

    @Test
    void aGemmaAndALlamaDictionaryAreMeasuredOnTheirOwnModelsAndEveryTabRunsOnThem(FxRobot robot) throws Exception {
        waitFor(
                "both dictionaries measured on their own models",
                300,
                () -> Stream.of(gemmaScope, llamaScope)
                        .allMatch(p -> app.vm().workspace().find(p.toString()) != null
                                && app.vm().workspace().find(p.toString()).measured()));
        for (Path p : List.of(gemmaScope, llamaScope)) {
            DictionaryEntry e = entry(p);
            // the release fixtures are random dictionaries: measured, not good
            assertTrue(
                    Double.isFinite(e.fvu()) && e.fvu() > 0 && e.l0() > 0,
                    e.name() + ": FVU " + e.fvu() + ", L0 " + e.l0());
            robot.interact(() -> app.vm().open(e.id()));
            waitFor(
                    "the features of " + e.name(),
                    180,
                    () -> app.vm().openDictionaryProperty().get() != null
                            && app.vm().openDictionaryProperty().get().id().equals(e.id())
                            && app.vm().features().rows().size() == 96);
            assertEquals(e.activations(), app.vm().activations().location(), "its own pair's set");
            FeatureRow live = app.vm().features().rows().stream()
                    .filter(r -> r.density() > 0)
                    .findFirst()
                    .orElseThrow();
            robot.clickOn("Features");
            robot.interact(() -> app.vm().features().selectedFeatureProperty().set(live.index()));
            waitFor(
                    "examples of feature " + live.index(),
                    120,
                    () -> app.vm().detail().featureProperty().get() == live.index()
                            && !app.vm().detail().topExamples().isEmpty());

            robot.clickOn("Ablation");
            robot.interact(() -> {
                app.vm().ablation().windowsProperty().set(2);
                app.vm().ablation().featuresProperty().set(Integer.toString(live.index()));
            });
            robot.interact(() -> app.vm().runAblation());
            waitFor(
                    "the ablation of feature " + live.index(),
                    180,
                    () -> !app.vm().ablation().runningProperty().get()
                            && !Double.isNaN(app.vm()
                                    .ablation()
                                    .deltaPerplexityProperty()
                                    .get()));
            assertFalse(robot.lookup("#ablationDelta").queryLabeled().getText().isBlank());

            robot.clickOn("Prompt");
            robot.interact(() -> {
                app.vm().inspector().textProperty().set("The cat sat on the mat.");
                app.vm().inspector().inspect();
            });
            waitFor(
                    "the inspector's tokens",
                    120,
                    () -> !app.vm().inspector().tokens().isEmpty());
            robot.interact(() -> {
                app.vm().generation().promptProperty().set("The cat");
                app.vm().generation().tokensProperty().set(6);
                app.vm().runGeneration();
            });
            waitFor(
                    "a continuation",
                    120,
                    () -> !app.vm().generation().runningProperty().get()
                            && !app.vm().generation().cleanProperty().get().isEmpty());

            for (String tab : List.of("Frontier", "MCS", "Training", "Circuits")) {
                robot.clickOn(tab);
                WaitForAsyncUtils.waitForFxEvents();
            }
            assertEquals(
                    MainViewModel.View.CIRCUITS, app.vm().shownViewProperty().get());
            assertEquals(null, app.vm().workspace().errorProperty().get(), "no error on " + e.name());
        }
        // tiny models fit in float32, which the default setting chooses; the status bar says so for each loaded
        // model, the demo's beside them (in the order they loaded, which the measuring jobs decide)
        assertEquals(
                java.util.Set.of(
                        "google/gemma-3-1b-pt: float32",
                        "meta-llama/Llama-3.1-8B: float32",
                        "reference-neox-6l: float32"),
                java.util.Set.of(
                        robot.lookup("#statusModels").queryLabeled().getText().split(" · ")));
    }
}
