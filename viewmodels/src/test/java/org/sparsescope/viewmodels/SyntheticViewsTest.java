package org.sparsescope.viewmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.stats.BasisBaseline;
import org.sparsescope.compute.stats.TruthRecovery;
import org.sparsescope.compute.synthetic.SyntheticSets;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainOptions;
import org.sparsescope.compute.train.Trainer;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.features.FeatureTableViewModel;
import org.sparsescope.viewmodels.frontier.FrontierPoint;
import org.sparsescope.viewmodels.workspace.SyntheticSetForm;

/**
 * A synthetic set made from the window's form, a dictionary trained on it, and the truth on every view: the frontier
 * (its truth point, the baselines, each point's MMCS to the truth) and the feature table (each feature's best true
 * match) — each equal to the compute layer's answer. Every job runs on the calling thread.
 */
class SyntheticViewsTest {
    @TempDir
    Path tmp;

    @Test
    void aSetMadeInTheWindowShowsItsTruthOnTheFrontierAndInTheFeatureTable() throws Exception {
        try (MainViewModel vm =
                new MainViewModel(new SameThreadBackground(), Workspace.open(tmp.resolve("ws"), List.of()))) {
            SyntheticSetForm form = new SyntheticSetForm();
            form.d.set("sixteen");
            vm.workspace().synthesize(form);
            assertTrue(
                    vm.workspace().errorProperty().get().contains("d must be a whole number"),
                    vm.workspace().errorProperty().get());
            vm.workspace().clearError();
            form.d.set("16");
            form.features.set("32");
            form.active.set("2");
            form.rows.set("12000");
            vm.workspace().synthesize(form);
            assertNull(vm.workspace().errorProperty().get());
            Path set = vm.workspace().activationsProperty().get();
            assertNotNull(set);
            assertTrue(set.startsWith(vm.workspace().workspace().catalogue().dir()), set.toString());
            String model = form.spec().modelName();
            assertEquals(
                    model + " @ synthetic",
                    vm.workspace().activationsSiteProperty().get());

            Trainer.Result r;
            try (ActivationSet s = ActivationSet.open(set)) {
                r = new Trainer(
                                s,
                                TrainOptions.reference(1200)
                                        .withBatch(256)
                                        .withEpochs(2)
                                        .withEvents(100, 0))
                        .train(
                                List.of(SweepMember.l1(32, 1e-2)),
                                tmp.resolve("out"),
                                tmp.resolve("run"),
                                e -> {},
                                Cancellation.none());
            }
            Trainer.Trained t = r.dictionaries().get(0);
            vm.workspace().addTrained(t.dir(), t.heldOut(), set);
            assertNull(vm.workspace().errorProperty().get());
            vm.frontier().showPair(vm.workspace().find(t.dir().toString()).pairKey());
            assertTrue(vm.frontier().syntheticProperty().get());

            SyntheticSets.SyntheticSet synthetic;
            try (ActivationSet s = ActivationSet.open(set)) {
                synthetic = SyntheticSets.of(s).orElseThrow();
                var b = vm.frontier().baselineProperty().get();
                assertNotNull(b);
                assertEquals(synthetic.summary().trueL0(), b.truth().trueL0());
                assertEquals(synthetic.summary().noiseFloorFvu(), b.truth().noiseFloorFvu());
                List<BasisBaseline> direct = BasisBaseline.compute(
                        s, b.heldOutRows(), 0, Devices.preferred(), ProgressListener.NONE, Cancellation.none());
                assertEquals(direct.size(), b.basis().size());
                for (int i = 0; i < direct.size(); i++) {
                    var want = direct.get(i);
                    var shown = b.basis().get(i);
                    assertEquals(want.kind(), shown.kind());
                    assertEquals(want.kind().equals(BasisBaseline.NEURONS), shown.neurons());
                    assertEquals(want.features(), shown.features());
                    assertEquals(want.rows(), shown.rows());
                    for (int j = 0; j < want.points().size(); j++) {
                        assertEquals(want.points().get(j).k(), shown.k()[j]);
                        assertEquals(want.points().get(j).l0(), shown.l0()[j]);
                        assertEquals(want.points().get(j).fvu(), shown.fvu()[j]);
                    }
                    assertEquals(want.points().size(), shown.k().length);
                }
            }
            TruthRecovery recovery =
                    TruthRecovery.of(DictionaryFiles.read(t.dir()), synthetic.truth(), Devices.preferred());
            FrontierPoint p = vm.frontier().points().get(0);
            assertEquals(recovery.truthMmcs(), p.truthMmcs(), 1e-12);
            assertEquals(recovery.recovered(TruthRecovery.DEFAULT_THRESHOLD), p.recovered(), 1e-12);
            assertEquals(recovery.dictionaryMmcs(), p.dictionaryMmcs(), 1e-12);
            vm.frontier().recoveryThresholdProperty().set(0.7);
            assertEquals(recovery.recovered(0.7), vm.frontier().points().get(0).recovered(), 1e-12);

            vm.open(t.dir().toString());
            assertNull(vm.workspace().errorProperty().get());
            assertEquals(
                    FeatureTableViewModel.TRUE_MATCH,
                    vm.features().namesHeadingProperty().get());
            assertEquals(recovery.featureNames(), vm.features().topTokens());
        }
    }
}
