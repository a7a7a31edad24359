package org.sparsescope.compute.stats;

import org.sparsescope.compute.dictionary.DictionaryMetrics;

/**
 * Everything the views show about a dictionary on a set of activations: its metrics, per-feature statistics,
 * per-feature activation histograms (bins over (0, max]), top examples and examples across the activation range.
 */
public record FeatureReport(DictionaryMetrics metrics, FeatureStats stats, long[][] histograms, Examples top, Examples quantiles,
        double[] capacity) {

    /** The dictionary's total capacity Σ C_i (at most d; see {@link Capacity}). */
    public double totalCapacity() {
        return Capacity.total(capacity);
    }

    /** The histogram of feature j's positive activations. */
    public Histogram histogram(int j) {
        return new Histogram(0, stats.max()[j] > 0 ? stats.max()[j] : 1, histograms[j]);
    }
}
