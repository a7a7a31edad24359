package org.sparsescope.compute.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;

/**
 * A text's tokens as the model sees them, and for each token the features of every given dictionary (each at its
 * own hook of the one model) with their activation and, from the dictionary's statistics on its set, the quantile
 * of that activation in the feature's distribution. One pass to the deepest hook reads every dictionary's.
 */
public final class PromptFeatures {
    private PromptFeatures() {}

    /**
     * A dictionary at its hook, with its statistics (null: no quantiles) and, for repeated inspections, its weights
     * kept on the model's device (null: copied for this call).
     */
    public record Site(Dictionary dictionary, HookPoint hook, FeatureReport report, DictionaryOnDevice onDevice) {
        public Site(Dictionary dictionary, HookPoint hook, FeatureReport report) {
            this(dictionary, hook, report, null);
        }
    }

    /**
     * A feature active at a token: its activation, where that falls among the feature's non-zero activations over
     * its set ({@link FeatureReport#quantile}), and the feature's density there (both NaN without statistics).
     */
    public record Activation(int feature, float value, double quantile, double density) {}

    /** How the features of a prompt are ranked. */
    public enum Rank {
        MAX_ACTIVATION,
        MAX_QUANTILE
    }

    /** One dictionary's codes over the prompt, [T][n]. */
    public record Reading(Site site, float[][] codes) {
        public int features() {
            return codes.length == 0 ? 0 : codes[0].length;
        }

        /** The features active at {@code position}, strongest first, at most {@code limit}. */
        public List<Activation> at(int position, int limit) {
            float[] c = codes[position];
            return IntStream.range(0, c.length)
                    .filter(j -> c[j] > 0)
                    .boxed()
                    .sorted((a, b) -> Float.compare(c[b], c[a]))
                    .limit(limit)
                    .map(j -> new Activation(j, c[j], quantile(j, c[j]), density(j)))
                    .toList();
        }

        /** Feature j's activation at every position. */
        public float[] of(int feature) {
            float[] out = new float[codes.length];
            for (int t = 0; t < codes.length; t++) {
                out[t] = codes[t][feature];
            }
            return out;
        }

        public double quantile(int feature, double value) {
            return site.report() == null ? Double.NaN : site.report().quantile(feature, value);
        }

        public double density(int feature) {
            return site.report() == null ? Double.NaN : site.report().density(feature);
        }

        /** The features active anywhere in the prompt, ranked, at most {@code limit}; each with its strongest activation. */
        public List<Activation> ranked(Rank by, int limit) {
            int n = features();
            float[] max = new float[n];
            for (float[] row : codes) {
                for (int j = 0; j < n; j++) {
                    max[j] = Math.max(max[j], row[j]);
                }
            }
            List<Activation> active = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                if (max[j] > 0) {
                    active.add(new Activation(j, max[j], quantile(j, max[j]), density(j)));
                }
            }
            Comparator<Activation> order = by == Rank.MAX_QUANTILE && site.report() != null
                    ? Comparator.comparingDouble(Activation::quantile).thenComparingDouble(Activation::value)
                    : Comparator.comparingDouble(Activation::value);
            active.sort(order.reversed());
            return List.copyOf(active.subList(0, Math.min(limit, active.size())));
        }
    }

    /** The tokens, their text, and one reading per site, in the order given. */
    public record Inspection(long[] tokenIds, String[] tokens, List<Reading> readings) {}

    /**
     * SAEDashboard's per-token loss effect: the change of each next-token loss of the text (index t predicts token
     * t + 1) when {@code feature} is ablated at its hook, the SAE error kept; positive where the feature helped.
     */
    public static float[] lossEffect(Interventions iv, long[] ids, int feature) {
        return lossEffects(iv, ids, new int[] {feature})[0];
    }

    /** {@link #lossEffect} of several features, the clean pass run once. */
    public static float[][] lossEffects(Interventions iv, long[] ids, int[] features) {
        long[][] w = {ids};
        float[][] clean = iv.tokenLosses(w, new Intervention.Clean());
        float[][] out = new float[features.length][];
        for (int i = 0; i < features.length; i++) {
            out[i] = iv.effect(
                            w,
                            new Intervention.Ablate(new int[] {features[i]}, Intervention.AblationMode.KEEP_ERROR),
                            clean)
                    .tokenLossDelta()[0];
        }
        return out;
    }

    public static Inspection inspect(LanguageModel model, long[] ids, List<Site> sites) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("the text has no tokens");
        }
        if (ids.length > model.config().maxPositions()) {
            throw new IllegalArgumentException("the text has " + ids.length + " tokens; this model reads at most "
                    + model.config().maxPositions());
        }
        Hooks.Builder b = Hooks.builder();
        for (Site s : sites) {
            if (s.dictionary().dIn() != model.width(s.hook())) {
                throw new IllegalArgumentException("a dictionary reads d_in="
                        + s.dictionary().dIn() + " but " + s.hook() + " has d=" + model.width(s.hook()));
            }
            b.capture(s.hook());
        }
        List<Reading> readings = new ArrayList<>();
        try (NDManager scope = model.newScope()) {
            var pass = model.run(model.idsArray(scope, new long[][] {ids}), b.build());
            for (Site s : sites) {
                try (NDManager weights = scope.newSubManager()) {
                    Codec codec = s.onDevice() != null
                            ? s.onDevice().codec()
                            : s.dictionary().codec(weights);
                    NDArray x = pass.captures().get(s.hook()).reshape(ids.length, -1);
                    weights.tempAttachAll(x);
                    float[] flat = codec.encode(x).toFloatArray();
                    int n = s.dictionary().dSae();
                    float[][] codes = new float[ids.length][];
                    for (int t = 0; t < ids.length; t++) {
                        codes[t] = Arrays.copyOfRange(flat, t * n, (t + 1) * n);
                    }
                    readings.add(new Reading(s, codes));
                }
            }
        }
        String[] tokens = new String[ids.length];
        for (int t = 0; t < ids.length; t++) {
            tokens[t] = model.tokenizer().tokenText(ids[t]);
        }
        return new Inspection(ids.clone(), tokens, readings);
    }
}
