package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;

/**
 * Which features two dictionaries of the same d share: for each feature of A the maximum cosine similarity of
 * its decoder direction to any of B's (MCS), the matched feature of B, their mean (MMCS) and histogram.
 */
public record DictionaryComparison(double[] maxCosine, int[] match, double meanMaxCosine, Histogram histogram) {

    private static final int CHUNK = 2048;

    /** On the engine's preferred device. */
    public static DictionaryComparison of(Dictionary a, Dictionary b) {
        return of(a, b, org.sparsescope.compute.Devices.preferred());
    }

    public static DictionaryComparison of(Dictionary a, Dictionary b, Device device) {
        if (a.dIn() != b.dIn()) {
            throw new IllegalArgumentException("dictionaries of different width: d_in " + a.dIn() + " and " + b.dIn());
        }
        int n = a.dSae();
        double[] mcs = new double[n];
        int[] match = new int[n];
        try (NDManager m = NDManager.newBaseManager(device)) {
            Codec ca = a.codec(m), cb = b.codec(m);
            bestMatches(unit(ca.decoderRows()), unit(cb.decoderRows()).transpose(), mcs, match);
        }
        double sum = 0;
        for (double v : mcs) {
            sum += v;
        }
        return new DictionaryComparison(mcs, match, sum / n, Histogram.of(mcs, 0, 1, 20));
    }

    /**
     * For each row of {@code unitA} [nA, d] its best cosine with a column of {@code unitBT} [d, nB] (capped at 1)
     * and that column, a block of A's rows at a time so that the [block, nB] similarities stay small.
     */
    static void bestMatches(NDArray unitA, NDArray unitBT, double[] mcs, int[] match) {
        int n = (int) unitA.getShape().get(0);
        for (int from = 0; from < n; from += CHUNK) {
            int to = Math.min(n, from + CHUNK);
            try (NDManager scope = unitA.getManager().newSubManager()) {
                NDArray rows = unitA.get(scope, new ai.djl.ndarray.index.NDIndex(from + ":" + to));
                NDArray sims = rows.matMul(unitBT); // [chunk, nB]
                float[] best = sims.max(new int[] {1}).toFloatArray();
                long[] arg = sims.argMax(1).toLongArray();
                for (int i = 0; i < best.length; i++) {
                    mcs[from + i] = Math.min(1.0, best[i]);
                    if (match != null) {
                        match[from + i] = (int) arg[i];
                    }
                }
            }
        }
    }

    static NDArray unit(NDArray rows) {
        return rows.div(rows.norm(new int[] {-1}, true).maximum(1e-12f));
    }
}
