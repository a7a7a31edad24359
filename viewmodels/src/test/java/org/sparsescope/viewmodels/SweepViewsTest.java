package org.sparsescope.viewmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.DictionaryComparison;
import org.sparsescope.compute.stats.PcaBaseline;
import org.sparsescope.compute.train.SweepGrid;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.viewmodels.comparison.McsViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;

/**
 * The sweep's views on the demo workspace, every job on the calling thread: the frontier's PCA line, the list's
 * scorecard, the MCS matrix of the selection with a cell opened, and the training panel's grid — each equal to the
 * compute layer's answer on the same rows, windows and dictionaries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SweepViewsTest {
    @TempDir
    static Path workspace;

    private MainViewModel vm;

    @BeforeAll
    void openDemo() throws java.io.IOException {
        Path demo = Path.of(System.getProperty("sparsescope.resources", "../resources"))
                .resolve("demo");
        vm = new MainViewModel(
                new SameThreadBackground(), org.sparsescope.compute.workspace.Workspace.open(workspace, List.of()));
        vm.workspace().setHarvestTokens(40_000);
        vm.workspace().setSpliceWindows(48);
        vm.workspace().openDemo(demo);
        assertNull(vm.workspace().errorProperty().get());
    }

    @AfterAll
    void close() {
        vm.close();
    }

    @Test
    void theFrontierDrawsThePcaBaselineOfTheShownPairsSetOnItsHeldOutRows() throws Exception {
        var b = vm.frontier().baselineProperty().get();
        assertNotNull(b, "computed for the shown pair");
        try (ActivationSet s =
                ActivationSet.open(vm.workspace().activationsProperty().get())) {
            long held = org.sparsescope.compute.workspace.Evaluation.heldOutRows(s.rows());
            assertEquals(s.rows() / 10, held, "a tenth of the set's rows (40,000 tokens harvested in whole windows)");
            assertEquals(held, b.heldOutRows());
            PcaBaseline direct =
                    PcaBaseline.compute(s, held, Devices.preferred(), ProgressListener.NONE, Cancellation.none());
            assertEquals(direct.points(), b.points());
        }
        vm.frontier().showBaselineProperty().set(false);
        assertNull(vm.frontier().baselineProperty().get(), "hidden");
        vm.frontier().showBaselineProperty().set(true);
        assertNotNull(vm.frontier().baselineProperty().get(), "back, from the cache");
    }

    @Test
    void theListsFiguresAreTheSharedEvaluationsHeldOutRowsAndWindowsAcrossTheSet() throws Exception {
        for (DictionaryEntry e : vm.workspace().dictionaries()) {
            DictionaryEntry.Scorecard card = e.scorecard();
            assertNotNull(card, e.name());
            try (ActivationSet s = ActivationSet.open(e.activations());
                    LanguageModel lm = LanguageModel.load(e.modelFolder())) {
                Dictionary d = DictionaryFiles.read(e.path());
                // the rows: the set's last tenth, the rows training leaves out
                long rows = s.rows() / 10;
                assertEquals(rows, card.heldOutRows(), e.name());
                DictionaryMetrics plain = DictionaryMetrics.evaluate(d, s, s.rows() - rows, rows);
                assertEquals(plain.fvu(), e.fvu(), 1e-12, e.name());
                // the windows: those of rows spread evenly over the whole set, not a run of adjacent ones
                long[][] windows = s.windowsAcross(48);
                assertEquals(48, windows.length);
                assertEquals(48, card.spliceWindows());
                assertTrue(
                        java.util.Arrays.equals(s.context(s.rows() / 96).get().tokenIds(), windows[0]),
                        "the first from the set's start");
                assertTrue(
                        java.util.Arrays.equals(
                                s.context(s.rows() * 95 / 96).get().tokenIds(), windows[47]),
                        "the last from its end");
                try (Interventions iv = new Interventions(lm, d, e.hook())) {
                    Interventions.SpliceReport r = iv.splice(windows);
                    assertEquals(r.ceLossRecovered(), card.ceLossRecovered(), 1e-9, e.name());
                    assertEquals(r.klScore(), card.klScore(), 1e-9, e.name());
                    assertEquals(
                            r.ceLossRecoveredStandardError(), card.ceLossRecoveredStandardError(), 1e-12, e.name());
                    assertTrue(
                            card.ceLossRecoveredStandardError() > 0 && card.ceLossRecoveredStandardError() < 0.1,
                            e.name() + " ± " + card.ceLossRecoveredStandardError());
                }
            }
            assertTrue(card.cosine() > 0.5 && card.cosine() < 1, e.name() + " cosine " + card.cosine());
            assertTrue(card.l2Ratio() > 0 && card.l1() > 0, e.name());
        }
    }

    @Test
    void selectingDictionariesGivesTheirMcsMatrixAndACellTheirMatchedFeatures() throws Exception {
        vm.frontier().selectRectangle(0.5, 10_000, 0, 1);
        McsViewModel.Matrix m = vm.mcs().matrixProperty().get();
        assertNotNull(m);
        assertEquals(2, m.dictionaries().size());
        assertTrue(
                m.dictionaries().get(0).l0() > m.dictionaries().get(1).l0(),
                "denser first, as the seed's l1 values ascend");
        Dictionary a = DictionaryFiles.read(m.dictionaries().get(0).path()),
                b = DictionaryFiles.read(m.dictionaries().get(1).path());
        assertEquals(1.0, m.values().mmcs(0, 0), 1e-6);
        assertEquals(DictionaryComparison.of(a, b).meanMaxCosine(), m.values().mmcs(0, 1), 1e-6);
        assertEquals(DictionaryComparison.of(b, a).meanMaxCosine(), m.values().mmcs(1, 0), 1e-6);

        vm.mcs().openCell(0, 1);
        McsViewModel.PairDetail d = vm.mcs().detailProperty().get();
        assertNotNull(d);
        assertEquals(a.dSae(), d.features().size());
        for (int i = 1; i < d.features().size(); i++) {
            assertTrue(d.features().get(i).mcs() <= d.features().get(i - 1).mcs(), "best matches first");
        }
        DictionaryComparison c = DictionaryComparison.of(a, b);
        McsViewModel.MatchedFeature best = d.features().get(0);
        assertEquals(c.match()[best.feature()], best.match());
        assertEquals(c.maxCosine()[best.feature()], best.mcs(), 1e-9);
        assertTrue(!best.tokens().isEmpty() && !best.matchTokens().isEmpty(), "both sides' top tokens");
        vm.mcs().thresholdProperty().set(0.5);
        assertEquals(
                m.values().fractionAtLeast(0, 1, 0.5),
                vm.mcs().detailProperty().get().fractionAtLeast(),
                0.0);
    }

    @Test
    void theTrainingPanelsSweepIsTheCommandLinesGrid() {
        vm.training().ratiosProperty().set("1, 2");
        vm.training().l1ValuesProperty().set("1e-3");
        vm.training().kValuesProperty().set("8");
        vm.training().tiedL1ValuesProperty().set("2e-3, 4e-3");
        List<SweepMember> sweep = vm.training().sweep(256);
        assertEquals(
                new SweepGrid(List.of(1.0, 2.0), List.of(1e-3), List.of(8), List.of(2e-3, 4e-3)).members(256), sweep);
        assertEquals(8, sweep.size());
        assertEquals(SweepMember.Kind.TIED_L1, sweep.get(2).kind());
        assertEquals("tied_l1_2.00e-03_f256", sweep.get(2).name());
        assertEquals(512, sweep.get(7).dSae());
    }
}
