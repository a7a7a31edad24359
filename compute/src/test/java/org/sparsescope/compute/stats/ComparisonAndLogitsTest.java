package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.Tensor;

class ComparisonAndLogitsTest {

    private static Tensor permuteRows(Tensor t, int[] perm) {
        long[] s = t.shape();
        int cols = (int) (s.length == 1 ? 1 : s[1]);
        float[] v = t.floats(), out = new float[v.length];
        for (int i = 0; i < perm.length; i++) {
            System.arraycopy(v, perm[i] * cols, out, i * cols, cols);
        }
        return Tensor.ofFloats(s, out);
    }

    @Test
    void aDictionaryMatchesItselfAndAnyPermutationOfItsFeatures() throws Exception {
        StandardDictionary d = (StandardDictionary) DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        DictionaryComparison self = DictionaryComparison.of(d, d, Device.cpu());
        for (int j = 0; j < 1024; j++) {
            assertEquals(1.0, self.maxCosine()[j], 1e-5, "feature " + j);
        }
        assertEquals(1.0, self.meanMaxCosine(), 1e-5);
        assertEquals(1024, self.histogram().counts()[self.histogram().bins() - 1]);

        int[] perm = new int[1024];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        Random rnd = new Random(5);
        for (int i = perm.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        Dictionary permuted =
                new StandardDictionary(d.wEnc(), d.bEnc(), permuteRows(d.wDec(), perm), d.bDec(), true, d.info());
        DictionaryComparison p = DictionaryComparison.of(d, permuted, Device.cpu());
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        for (int j = 0; j < 1024; j++) {
            assertEquals(1.0, p.maxCosine()[j], 1e-5, "feature " + j);
        }
        assertArrayEquals(inverse, p.match(), "each feature finds its permuted twin");

        Dictionary other = DictionaryFiles.read(Reference.path("saes/l1_5.01e-04"));
        DictionaryComparison two = DictionaryComparison.of(d, other, Device.cpu());
        assertTrue(
                two.meanMaxCosine() < 0.99 && two.meanMaxCosine() > 0.1,
                "two different dictionaries share some features: " + two.meanMaxCosine());
    }

    @Test
    void logitEffectsAreTheDecoderDirectionThroughTheFinalGainAndUnembedding() throws Exception {
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        int feature = 519;
        List<LogitEffects.FeatureLogits> effects;
        try (LanguageModel model = LanguageModel.load(Reference.path("model"))) {
            effects = LogitEffects.of(model, d, new int[] {feature}, 10);
        }
        // brute force in Java from the checkpoint's own tensors
        float[] gain, unembed;
        try (Checkpoint ckpt = Checkpoint.open(Reference.path("model"))) {
            gain = ckpt.read("gpt_neox.final_layer_norm.weight").floats();
            unembed = ckpt.read("embed_out.weight").floats();
        }
        float[] wDec = ((StandardDictionary) d).wDec().floats();
        double[] logits = new double[4096];
        int best = 0, worst = 0;
        for (int t = 0; t < 4096; t++) {
            for (int i = 0; i < 256; i++) {
                logits[t] += (double) wDec[feature * 256 + i] * gain[i] * unembed[t * 256 + i];
            }
            best = logits[t] > logits[best] ? t : best;
            worst = logits[t] < logits[worst] ? t : worst;
        }
        LogitEffects.FeatureLogits f = effects.get(0);
        assertEquals(best, f.raised().get(0).token());
        assertEquals(worst, f.lowered().get(0).token());
        assertEquals(logits[best], f.raised().get(0).logit(), 1e-3);
        assertEquals(10, f.raised().size());
        assertTrue(f.raised().get(9).logit() <= f.raised().get(0).logit());
    }
}
