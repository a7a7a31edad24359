package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.TiedDictionary;
import org.sparsescope.compute.tensor.Tensor;

/**
 * Each feature's capacity (Scherlis et al., "Polysemanticity and capacity in neural networks"; the research code's
 * {@code capacity_per_feature}): C_i = (W_i·W_i)² / Σ_j (W_i·W_j)² over the decoder rows W_i, how much of a dimension
 * feature i has to itself. 1 for a row orthogonal to all others, 1/k for k copies of one direction; the total is at
 * most the width d. A zero row has capacity 0.
 */
public final class Capacity {
    /** Rows of the Gram matrix formed at once: [block, n] floats stay under ~64 MiB. */
    private static final long GRAM_FLOATS = 1L << 24;

    private Capacity() {}

    /** The decoder rows [d_sae, d_in] a dictionary reconstructs with (a tied one's exact standard equivalent). */
    static Tensor decoder(Dictionary d) {
        Dictionary standard = d instanceof TiedDictionary t ? t.toStandard() : d;
        return standard.tensors().get("W_dec");
    }

    public static double[] perFeature(Dictionary d, Device device) {
        return perFeature(decoder(d), device);
    }

    /** C_i for decoder rows {@code wDec} [n, d]; the Gram matrix is formed a block of rows at a time. */
    public static double[] perFeature(Tensor wDec, Device device) {
        int n = (int) wDec.shape()[0];
        double[] out = new double[n];
        int block = (int) Math.max(1, Math.min(n, GRAM_FLOATS / Math.max(1, n)));
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray w = wDec.toFloat32(m).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
            NDArray wt = w.transpose();
            for (int from = 0; from < n; from += block) {
                int to = Math.min(n, from + block);
                try (NDManager scope = m.newSubManager()) {
                    NDArray rows = w.get(new NDIndex(from + ":" + to));
                    rows.attach(scope);
                    NDArray gram = rows.matMul(wt);
                    double[] denominator = gram.square().sum(new int[] {1}).toDoubleArray();
                    double[] self = rows.square().sum(new int[] {1}).toDoubleArray();
                    for (int i = 0; i < to - from; i++) {
                        out[from + i] = denominator[i] > 0 ? self[i] * self[i] / denominator[i] : 0;
                    }
                }
            }
        }
        return out;
    }

    /** Counts of the capacities in {@code bins} equal bins over [0, 1]. */
    public static Histogram histogram(double[] capacity, int bins) {
        return Histogram.of(capacity, 0, 1, bins);
    }

    /** The dictionary's total capacity, Σ C_i (at most d). */
    public static double total(double[] capacity) {
        double s = 0;
        for (double c : capacity) {
            s += c;
        }
        return s;
    }
}
