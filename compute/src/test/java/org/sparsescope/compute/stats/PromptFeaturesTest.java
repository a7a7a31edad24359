package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/** The prompt inspector's numbers against the harvest path and the ablation path on the reference NeoX. */
class PromptFeaturesTest {
    @TempDir
    Path tmp;

    @Test
    void perTokenActivationsEqualTheHarvestPathsAndQuantilesComeFromTheStatistics() throws Exception {
        HookPoint hook = HookPoint.parse("blocks.2.hook_resid_post");
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        try (LanguageModel lm = LanguageModel.load(Reference.path("model"))) {
            Path set = tmp.resolve("set");
            new Harvester(lm)
                    .harvest(
                            hook,
                            Corpus.open(Reference.path("corpus/test.txt")),
                            set,
                            HarvestOptions.of(8 * 128, 128).withDtype(DType.F32),
                            ProgressListener.NONE,
                            Cancellation.none());
            try (ActivationSet s = ActivationSet.open(set)) {
                long[] window = s.windowsOf(0, 128, 1)[0];
                FeatureReport report = FeatureAnalysis.run(
                        d,
                        s,
                        0,
                        s.rows(),
                        FeatureAnalysis.Options.defaults(),
                        org.sparsescope.compute.Devices.preferred(),
                        ProgressListener.NONE,
                        Cancellation.none());
                PromptFeatures.Inspection in =
                        PromptFeatures.inspect(lm, window, List.of(new PromptFeatures.Site(d, hook, report)));
                PromptFeatures.Reading r = in.readings().get(0);
                float[] rows = s.readRows(0, 128);
                float[] harvested;
                try (NDManager m = NDManager.newBaseManager()) {
                    harvested = d.codec(m)
                            .encode(m.create(rows, new Shape(128, d.dIn())))
                            .toFloatArray();
                }
                double worst = 0;
                for (int t = 0; t < 128; t++) {
                    for (int j = 0; j < d.dSae(); j++) {
                        worst = Math.max(worst, Math.abs(r.codes()[t][j] - harvested[t * d.dSae() + j]));
                    }
                }
                assertTrue(worst < 1e-5, "inspector vs harvest path: max |Δ| " + worst);
                assertEquals(lm.tokenizer().tokenText(window[5]), in.tokens()[5]);

                List<PromptFeatures.Activation> top = r.at(5, 10);
                assertTrue(!top.isEmpty()
                        && top.get(0).value() >= top.get(top.size() - 1).value());
                PromptFeatures.Activation a = top.get(0);
                // the quantile counts the tokens where the feature is active at or below the value, zeros left out:
                // plainly, over the set's own codes, for every active feature at the token
                for (PromptFeatures.Activation each : top) {
                    double plain = quantileAmongActive(d, s, each.feature(), each.value());
                    // within the value's histogram bin the statistics interpolate: they can miss by that bin's share
                    long[] h = report.histograms()[each.feature()];
                    int bin = (int) Math.min(
                            h.length - 1, each.value() / (report.stats().max()[each.feature()] / h.length));
                    double binShare =
                            (double) h[bin] / java.util.Arrays.stream(h).sum();
                    assertEquals(
                            plain,
                            each.quantile(),
                            binShare + 1e-9,
                            "quantile of " + each.value() + " for feature " + each.feature());
                    assertEquals(report.stats().density()[each.feature()], each.density(), 0);
                }
                assertTrue(
                        top.stream().anyMatch(x -> x.quantile() < 0.9),
                        "not every active feature reads near 1: " + top);

                List<PromptFeatures.Activation> byMax = r.ranked(PromptFeatures.Rank.MAX_ACTIVATION, 5);
                float best = 0;
                for (float[] row : r.codes()) {
                    for (float v : row) {
                        best = Math.max(best, v);
                    }
                }
                assertEquals(best, byMax.get(0).value());
            }
        }
    }

    @Test
    void aFeaturesPerTokenLossEffectIsTheAblationsPerTokenDelta() throws Exception {
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        try (LanguageModel lm = LanguageModel.load(Reference.path("model"));
                Interventions iv = new Interventions(lm, d, null)) {
            long[] ids = lm.tokenizer()
                    .encode(
                            "The activities will focus on promoting and strengthening cooperation with the United Nations system");
            float[] effect = PromptFeatures.lossEffect(iv, ids, 519);
            long[][] w = {ids};
            float[] viaAblate = iv.effect(
                            w,
                            new Intervention.Ablate(new int[] {519}, Intervention.AblationMode.KEEP_ERROR),
                            iv.tokenLosses(w, new Intervention.Clean()))
                    .tokenLossDelta()[0];
            assertEquals(ids.length - 1, effect.length);
            for (int t = 0; t < effect.length; t++) {
                assertEquals(viaAblate[t], effect[t], 1e-6, "token " + (t + 1));
            }
        }
    }

    /** The fraction of the set's rows where feature j's code is at most v. */
    private static double quantileAmongActive(Dictionary d, ActivationSet s, int j, double v) throws Exception {
        float[] rows = s.readRows(0, (int) s.rows());
        float[] codes;
        try (NDManager m = NDManager.newBaseManager()) {
            codes = d.codec(m)
                    .encode(m.create(rows, new Shape(s.rows(), d.dIn())))
                    .toFloatArray();
        }
        long below = 0, active = 0;
        for (int r = 0; r < s.rows(); r++) {
            float c = codes[r * d.dSae() + j];
            if (c > 0) {
                active++;
                below += c <= v ? 1 : 0;
            }
        }
        return (double) below / active;
    }
}
