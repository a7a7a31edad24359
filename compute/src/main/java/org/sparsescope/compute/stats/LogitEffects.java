package org.sparsescope.compute.stats;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.model.LanguageModel;

/**
 * The tokens whose logits a feature's decoder direction raises and lowers most, directly: through the final
 * norm's gain and the unembedding.
 */
public final class LogitEffects {
    private LogitEffects() {}

    public record TokenEffect(long token, String text, float logit) {}

    /** The most raised and lowered tokens, and the histogram of the direct effect on every token of the vocabulary (40 bins). */
    public record FeatureLogits(int feature, List<TokenEffect> raised, List<TokenEffect> lowered, Histogram all) {}

    public static List<FeatureLogits> of(LanguageModel model, Dictionary dictionary, int[] features, int topN) {
        try (NDManager m = NDManager.newBaseManager(model.device())) {
            return of(model, dictionary.codec(m), dictionary.dIn(), features, topN);
        }
    }

    /** On a dictionary kept on the device: only the rows asked for leave it. */
    public static List<FeatureLogits> of(
            LanguageModel model,
            org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice,
            int[] features,
            int topN) {
        return of(model, onDevice.codec(), onDevice.dictionary().dIn(), features, topN);
    }

    private static List<FeatureLogits> of(
            LanguageModel model, org.sparsescope.compute.dictionary.Codec codec, int d, int[] features, int topN) {
        float[] directions = new float[features.length * d];
        try (NDManager scope = NDManager.newBaseManager(model.device())) {
            ai.djl.ndarray.NDArray rows = codec.decoderRows();
            for (int i = 0; i < features.length; i++) {
                // the row copied out through this scope, so that nothing stays with the weights
                float[] row = rows.get(scope, new ai.djl.ndarray.index.NDIndex(Integer.toString(features[i])))
                        .toFloatArray();
                System.arraycopy(row, 0, directions, i * d, d);
            }
        }
        float[][] logits = model.directLogitEffects(directions, features.length);
        List<FeatureLogits> out = new ArrayList<>();
        for (int i = 0; i < features.length; i++) {
            float[] l = logits[i];
            Integer[] order = new Integer[l.length];
            for (int t = 0; t < l.length; t++) {
                order[t] = t;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(l[b], l[a]));
            List<TokenEffect> up = new ArrayList<>(), down = new ArrayList<>();
            for (int r = 0; r < Math.min(topN, l.length); r++) {
                int t = order[r];
                up.add(new TokenEffect(t, model.tokenizer().tokenText(t), l[t]));
                int b = order[l.length - 1 - r];
                down.add(new TokenEffect(b, model.tokenizer().tokenText(b), l[b]));
            }
            double lo = l[order[l.length - 1]], hi = l[order[0]];
            double[] values = new double[l.length];
            for (int t = 0; t < l.length; t++) {
                values[t] = l[t];
            }
            out.add(new FeatureLogits(features[i], up, down, Histogram.of(values, lo, hi > lo ? hi : lo + 1, 40)));
        }
        return out;
    }
}
