package org.sparsescope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.scene.control.ComboBox;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.workspace.ResearcherWorld;
import org.sparsescope.viewmodels.features.ExampleLine;
import org.sparsescope.viewmodels.features.FeatureRow;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.HookPair;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The real window with dictionaries at two hooks of the NeoX and one of the GPT-2 (besides the demo's): the
 * frontier's selector switches between their pairs, and each dictionary's features and examples come from its
 * own pair's activation set.
 */
class MultiHookUiTest extends WindowTest {
    private static ResearcherWorld world;

    @Start
    void start(Stage stage) throws Exception {
        Path root = Files.createTempDirectory("sparsescope-multihook");
        world = new ResearcherWorld(root);
        System.setProperty("sparsescope.hubCache", world.hub.toString());
        openOnce(
                stage,
                root.resolve("ws"),
                List.of(world.saeLens, world.dictionaryLearning, world.sparsifyRun),
                20_000,
                1400,
                880);
    }

    @Test
    void theSelectorSwitchesPairsAndEachDictionarysExamplesComeFromItsOwnSet(FxRobot robot) throws Exception {
        List<Path> mine = List.of(world.saeLens, world.dictionaryLearning, world.sparsifyRun);
        waitFor(
                "the three dictionaries measured on their own sets",
                300,
                () -> mine.stream()
                        .allMatch(p -> app.vm().workspace().find(p.toString()) != null
                                && app.vm().workspace().find(p.toString()).measured()));
        assertEquals(
                3, app.vm().frontier().pairs().size(), "NeoX mlp 4, NeoX resid 2 (with the demo's two), GPT-2 resid 1");
        for (Path p : mine) {
            DictionaryEntry e = entry(p);
            HookPair pair = app.vm().frontier().pairs().stream()
                    .filter(x -> x.key().equals(e.pairKey()))
                    .findFirst()
                    .orElseThrow();
            @SuppressWarnings("unchecked")
            ComboBox<HookPair> selector = robot.lookup("#pairSelector").queryAs(ComboBox.class);
            assertTrue(selector.getItems().contains(pair), "the selector lists " + pair.display());
            robot.interact(() -> selector.getSelectionModel().select(pair)); // as picking it from the list does
            WaitForAsyncUtils.waitForFxEvents();
            assertEquals(
                    pair.key(), app.vm().frontier().shownPairProperty().get().key());
            assertEquals(
                    pair.dictionaries(),
                    app.vm().frontier().points().size(),
                    "only " + pair.label() + "'s dictionaries on the frontier");
            assertTrue(app.vm().frontier().points().stream().anyMatch(x -> x.id().equals(e.id())));

            robot.interact(() -> app.vm().open(e.id()));
            waitFor(
                    "the features of " + e.name(),
                    180,
                    () -> app.vm().openDictionaryProperty().get() != null
                            && app.vm().openDictionaryProperty().get().id().equals(e.id())
                            && app.vm().features().rows().size() == e.dSae());
            assertEquals(e.site(), app.vm().openSiteProperty().get());
            assertEquals(
                    e.activations(),
                    app.vm().activations().location(),
                    "the feature views read the dictionary's own set");
            FeatureRow live = app.vm().features().rows().stream()
                    .filter(r -> r.density() > 0)
                    .findFirst()
                    .orElseThrow();
            robot.interact(() -> app.vm().features().selectedFeatureProperty().set(live.index()));
            waitFor(
                    "examples of feature " + live.index(),
                    120,
                    () -> app.vm().detail().featureProperty().get() == live.index()
                            && !app.vm().detail().topExamples().isEmpty());
            ExampleLine top = WaitForAsyncUtils.asyncFx(
                            () -> app.vm().detail().topExamples().get(0))
                    .get();
            // the example's row, read from the dictionary's own set and encoded, gives the activation shown
            Dictionary d = DictionaryFiles.read(p);
            try (ActivationSet set = ActivationSet.open(e.activations());
                    NDManager m = NDManager.newBaseManager()) {
                float[] x = set.readRows(top.row(), 1);
                float code = d.codec(m)
                        .encode(m.create(x, new ai.djl.ndarray.types.Shape(1, d.dIn())))
                        .toFloatArray()[live.index()];
                assertEquals(
                        code,
                        top.value(),
                        1e-4 * (1 + Math.abs(code)),
                        e.name() + " feature " + live.index() + " row " + top.row());
                assertEquals(top.value(), top.activations()[top.position()], 1e-4 * (1 + Math.abs(top.value())));
            }
            TableView<?> table = robot.lookup("#dictionaryTable").queryAs(TableView.class);
            assertFalse(table.getItems().isEmpty());
        }
    }
}
