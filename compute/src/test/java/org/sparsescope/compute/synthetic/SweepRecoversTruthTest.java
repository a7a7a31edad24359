package org.sparsescope.compute.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.stats.TruthRecovery;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainOptions;
import org.sparsescope.compute.train.Trainer;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.ProvenanceMismatchException;
import org.sparsescope.compute.workspace.Workspace;

/**
 * The trainer, unchanged, on a small noise-free synthetic set: the member whose L0 is near the truth's recovers most
 * true features. Measured when written (d 32, 64 features, 3 active, decay 0.99, 50,000 rows, seed 2; batch 256,
 * 10 epochs): l1 1e-2 reached L0 2.3, MMCS 0.949 and 85.9% of true features at MCS ≥ 0.9; l1 3e-3 L0 6.9, MMCS
 * 0.881, 53.1%. The floors below hold those with room for another machine's rounding.
 */
class SweepRecoversTruthTest {

    @Test
    void theRightL1RecoversMostTrueFeaturesAndItsDictionaryPairsWithItsSetOnly(@TempDir Path dir) throws Exception {
        SyntheticSpec spec = new SyntheticSpec(32, 64, 3, 0.99, 0, 0, 0, null, 2);
        SyntheticSets.SyntheticSet made = SyntheticSets.write(
                spec, 50_000, 16_384, dir.resolve("set"), ProgressListener.NONE, Cancellation.none());
        Trainer.Result r;
        try (ActivationSet set = ActivationSet.open(made.folder())) {
            r = new Trainer(
                            set,
                            TrainOptions.reference(5000)
                                    .withBatch(256)
                                    .withEpochs(10)
                                    .withEvents(100, 0))
                    .train(
                            List.of(SweepMember.l1(64, 3e-3), SweepMember.l1(64, 1e-2)),
                            dir.resolve("out"),
                            dir.resolve("run"),
                            e -> {},
                            Cancellation.none());
        }
        Dictionary right = DictionaryFiles.read(r.dictionaries().get(1).dir());
        TruthRecovery best = TruthRecovery.of(right, made.truth(), Device.cpu());
        TruthRecovery looser =
                TruthRecovery.of(DictionaryFiles.read(r.dictionaries().get(0).dir()), made.truth(), Device.cpu());
        assertTrue(best.recovered(0.9) >= 0.75, "recovered " + best.recovered(0.9));
        assertTrue(best.truthMmcs() >= 0.92, "MMCS " + best.truthMmcs());
        assertTrue(looser.truthMmcs() < best.truthMmcs(), "too little L1 smears features: " + looser.truthMmcs());
        assertEquals(made.summary().trueL0(), r.dictionaries().get(1).heldOut().l0(), 1.5);

        // provenance: the dictionary reads the generator, found at the set it was trained on
        Workspace ws = Workspace.open(dir.resolve("ws"));
        Placement p = ws.place(r.dictionaries().get(1).dir(), right);
        assertTrue(p.ready(), String.valueOf(p.missingModel()));
        assertEquals(spec.modelName(), p.at().model());
        assertEquals(made.folder(), Workspace.syntheticSet(p).orElseThrow());
        try (ActivationSet own = ActivationSet.open(made.folder())) {
            ws.requireMatch(p, own);
        }
        // and never pairs with another generator's rows or a model's
        SyntheticSets.write(
                new SyntheticSpec(32, 64, 3, 0.99, 0, 0, 0, null, 3),
                2000,
                2000,
                dir.resolve("other"),
                ProgressListener.NONE,
                Cancellation.none());
        try (ActivationSet other = ActivationSet.open(dir.resolve("other"))) {
            assertThrows(ProvenanceMismatchException.class, () -> ws.requireMatch(p, other));
        }
        ws.rememberModel("reference-neox-6l", Reference.path("model"));
        Placement reference =
                ws.place(Reference.path("saes/l1_4.11e-03"), DictionaryFiles.read(Reference.path("saes/l1_4.11e-03")));
        assertTrue(reference.ready(), String.valueOf(reference.missingModel()));
        try (ActivationSet own = ActivationSet.open(made.folder())) {
            assertThrows(ProvenanceMismatchException.class, () -> ws.requireMatch(reference, own));
        }
    }
}
