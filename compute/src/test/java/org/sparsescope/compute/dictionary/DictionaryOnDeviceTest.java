package org.sparsescope.compute.dictionary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.Generator;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureNeighbours;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.compute.stats.PromptFeatures;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * One long-lived device copy of a dictionary serves examples, logit effects, neighbours, interventions, generation
 * and the inspector without growing: its manager is capped, so any array that would be left with it fails the test.
 */
class DictionaryOnDeviceTest {
    @TempDir
    Path tmp;

    @Test
    void everyReaderOfTheCopyLeavesNothingWithItsWeights() throws Exception {
        HookPoint hook = HookPoint.parse("blocks.2.hook_resid_post");
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        try (LanguageModel lm = LanguageModel.load(Reference.path("model"));
                DictionaryOnDevice copy = new DictionaryOnDevice(d, lm.device())) {
            // the cap catches a leak: a result left with the weights
            assertThrows(
                    IllegalStateException.class,
                    () -> copy.codec().decoderRows().add(1f));

            new Harvester(lm)
                    .harvest(
                            hook,
                            Corpus.open(Reference.path("corpus/test.txt")),
                            tmp.resolve("set"),
                            HarvestOptions.of(4 * 128, 128),
                            ProgressListener.NONE,
                            Cancellation.none());
            try (ActivationSet set = ActivationSet.open(tmp.resolve("set"))) {
                FeatureReport r = FeatureAnalysis.run(
                        d,
                        set,
                        0,
                        set.rows(),
                        FeatureAnalysis.Options.defaults(),
                        lm.device(),
                        ProgressListener.NONE,
                        Cancellation.none());
                int f = r.ranked(FeatureReport.Column.DENSITY, 1)[0];
                for (int i = 0; i < r.top().count(f); i++) { // a feature click's 20 examples
                    var c = ExampleContext.of(set, copy, lm.tokenizer(), r.top().rows()[f][i], f, 24, 8)
                            .orElseThrow();
                    assertEquals(
                            r.top().values()[f][i],
                            c.activations()[c.position()],
                            1e-4,
                            "the example's own activation");
                }
                var viaCopy = LogitEffects.of(lm, copy, new int[] {f, 3}, 10);
                var fresh = LogitEffects.of(lm, d, new int[] {f, 3}, 10);
                assertEquals(
                        fresh.get(0).raised().get(0).logit(),
                        viaCopy.get(0).raised().get(0).logit(),
                        1e-6);
                assertEquals(8, FeatureNeighbours.nearestDecoders(copy, f, 8).size());
                assertEquals(
                        8,
                        FeatureNeighbours.correlated(copy, set, 0, set.rows(), r.stats(), f, 8, Cancellation.none())
                                .size());
            }
            long[] ids = lm.tokenizer().encode("The committee will meet in Geneva to discuss the budget");
            try (Interventions iv = new Interventions(lm, copy, hook)) {
                long[][] w = {ids};
                for (Intervention i : List.of(
                        new Intervention.Splice(),
                        new Intervention.Ablate(new int[] {519}, Intervention.AblationMode.KEEP_ERROR),
                        new Intervention.Ablate(new int[] {519}, Intervention.AblationMode.RECONSTRUCTION),
                        new Intervention.Steer(519, 4),
                        new Intervention.Clamp(new int[] {519}, new double[] {3}))) {
                    assertEquals(ids.length - 1, iv.tokenLosses(w, i)[0].length);
                }
                Generator.generate(
                        lm, ids, 5, Generator.Sampling.greedy(), iv.replacing(new Intervention.Steer(519, 4)), true);
                iv.spliceCosts(w, 3, 1, 3);
            }
            var in = PromptFeatures.inspect(lm, ids, List.of(new PromptFeatures.Site(d, hook, null, copy)));
            assertTrue(!in.readings()
                    .get(0)
                    .ranked(PromptFeatures.Rank.MAX_ACTIVATION, 3)
                    .isEmpty());
        }
    }
}
