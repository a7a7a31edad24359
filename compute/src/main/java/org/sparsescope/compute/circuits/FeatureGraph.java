package org.sparsescope.compute.circuits;

import java.util.Arrays;
import java.util.List;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.model.HookPoint;

/**
 * Feature-to-feature effects across hooks of one model: for consecutive dictionaries (A at h_A, B at a later
 * h_B), the weight of every edge from a chosen feature i of A to every feature j of B. Edges are never dropped;
 * {@link Stage#visible} says which a threshold hides.
 *
 * @param windows        windows of text the weights are averaged over
 * @param windowTokens   tokens per window
 * @param seconds        wall time of the computation (0 for a graph read back from the cache: see {@code cached})
 * @param tokenBlocks    tokens × transformer blocks run while computing, for the forward rate
 */
public record FeatureGraph(
        String model,
        Method method,
        Intervention.AblationMode mode,
        int windows,
        int windowTokens,
        List<Stage> stages,
        double seconds,
        long tokenBlocks) {

    /**
     * How an edge is measured.
     * <ul>
     * <li>ABLATE (the seed's {@code build_ablation_graph_non_positional}): remove c_i·W_dec[i] at h_A at every
     * position; weight = mean over windows of ‖a_j(reference) − a_j(ablated)‖₂ over positions.</li>
     * <li>RESTORE: remove every feature of A at h_A, then put back feature i; weight = Σ a_j(restored) / Σ a_j(reference)
     * over the tokens where j is active in the reference run.</li>
     * </ul>
     * The reference run is the clean one when the SAE error is kept, and A's reconstruction spliced in when the
     * ablation happens inside it, so that a feature that never fires has no effect in either mode.
     */
    public enum Method {
        ABLATE,
        RESTORE
    }

    public FeatureGraph {
        stages = List.copyOf(stages);
    }

    /** Tokens × blocks per second over the whole computation: the model's forward rate, whatever the depth of each pass. */
    public double tokenBlocksPerSecond() {
        return seconds > 0 ? tokenBlocks / seconds : Double.NaN;
    }

    /** One dictionary in the chain: where it is (its workspace id or path), its hook and width. */
    public record Layer(String dictionary, String name, HookPoint hook, int features) {}

    /**
     * Edges from {@code upstreamFeatures} of {@code upstream} to every feature of {@code downstream}.
     *
     * @param weights  [upstream feature][downstream feature], as {@link Method} defines
     * @param effects  the sign-bearing companion: ABLATE, the mean over tokens of a_j(reference) − a_j(ablated);
     *                 RESTORE, the weight minus the fraction left with every feature removed; &gt; 0 where i raises j
     */
    public record Stage(
            Method method,
            Layer upstream,
            Layer downstream,
            int[] upstreamFeatures,
            float[][] weights,
            float[][] effects) {
        public Stage {
            upstreamFeatures = upstreamFeatures.clone();
            if (weights.length != upstreamFeatures.length || effects.length != upstreamFeatures.length) {
                throw new IllegalArgumentException("a row of weights per upstream feature");
            }
        }

        @Override
        public int[] upstreamFeatures() {
            return upstreamFeatures.clone();
        }

        public float weight(int row, int downstreamFeature) {
            return weights[row][downstreamFeature];
        }

        public float effect(int row, int downstreamFeature) {
            return effects[row][downstreamFeature];
        }

        /** The row of upstream feature {@code feature}, or −1. */
        public int rowOf(int feature) {
            for (int r = 0; r < upstreamFeatures.length; r++) {
                if (upstreamFeatures[r] == feature) {
                    return r;
                }
            }
            return -1;
        }

        /**
         * How strong the edge is, for pruning, ranking and drawing: |weight| for an ablation; for a restoration, |effect|,
         * what restoring i adds beyond what is left of j with every feature removed (the weight itself mostly measures
         * that remainder, the same for every i).
         */
        public float strength(int row, int j) {
            return Math.abs(method == Method.RESTORE ? effects[row][j] : weights[row][j]);
        }

        /** The largest strength into downstream feature j. */
        public float maxInto(int j) {
            float m = 0;
            for (int r = 0; r < weights.length; r++) {
                m = Math.max(m, strength(r, j));
            }
            return m;
        }

        /**
         * Whether the edge row → j shows at {@code fraction}: non-zero and at least that fraction of the strongest edge
         * into j (the seed pruned at 1%).
         */
        public boolean visible(int row, int j, double fraction) {
            float w = strength(row, j);
            return w > 0 && w >= fraction * maxInto(j);
        }

        /** Downstream features ordered by their largest incoming weight, strongest first, without those with none. */
        public int[] strongestDownstream(int limit) {
            int n = downstream.features();
            float[] max = new float[n];
            for (int j = 0; j < n; j++) {
                max[j] = maxInto(j);
            }
            return java.util.stream.IntStream.range(0, n)
                    .boxed()
                    .filter(j -> max[j] > 0)
                    .sorted((a, b) -> Float.compare(max[b], max[a]))
                    .limit(limit)
                    .mapToInt(Integer::intValue)
                    .toArray();
        }

        @Override
        public String toString() {
            return "Stage[" + upstream.hook() + " → " + downstream.hook() + ", " + Arrays.toString(upstreamFeatures)
                    + "]";
        }
    }
}
