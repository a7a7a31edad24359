package org.sparsescope.compute.stats;

import org.sparsescope.compute.dictionary.DictionaryMetrics;

/**
 * Everything the views show about a dictionary on a set of activations: its metrics, per-feature statistics,
 * per-feature activation histograms (bins over (0, max]), top examples and examples across the activation range.
 */
public record FeatureReport(
        DictionaryMetrics metrics,
        FeatureStats stats,
        long[][] histograms,
        Examples top,
        Examples quantiles,
        double[] capacity) {

    /** The dictionary's total capacity Σ C_i (at most d; see {@link Capacity}). */
    public double totalCapacity() {
        return Capacity.total(capacity);
    }

    /** A per-feature column of the feature table, by which features can be ranked. */
    public enum Column {
        KURTOSIS,
        DENSITY,
        MAX,
        MEAN,
        STD,
        SKEW,
        CAPACITY;

        /** "kurtosis", "density", …; an IllegalArgumentException naming the choices otherwise. */
        public static Column parse(String name) {
            for (Column c : values()) {
                if (c.label().equals(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException(
                    "the column must be kurtosis, density, max, mean, std, skew or capacity, not " + name);
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public double[] column(Column c) {
        return switch (c) {
            case KURTOSIS -> stats.kurtosis();
            case DENSITY -> stats.density();
            case MAX -> stats.max();
            case MEAN -> stats.mean();
            case STD -> stats.std();
            case SKEW -> stats.skew();
            case CAPACITY -> capacity;
        };
    }

    /** The features by {@code c}, largest first, NaN (dead features) last; at most {@code limit}. */
    public int[] ranked(Column c, int limit) {
        double[] key = column(c);
        return java.util.stream.IntStream.range(0, key.length)
                .boxed()
                .sorted(java.util.Comparator.comparingDouble(
                                (Integer i) -> Double.isNaN(key[i]) ? Double.NEGATIVE_INFINITY : key[i])
                        .reversed())
                .limit(limit)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /**
     * Where activation {@code a} of feature j falls among the feature's non-zero activations over the set: the
     * fraction of the tokens where j is active whose activation is at or below {@code a}, interpolated within the
     * histogram's bin. The zeros are left out (counted, every active value would read 0.98–1 for a sparse feature);
     * the density says how often the feature is active at all. 0 for a ≤ 0, NaN for a feature that never fires.
     */
    public double quantile(int j, double a) {
        if (stats.density()[j] == 0) {
            return Double.NaN;
        }
        if (a <= 0) {
            return 0;
        }
        long[] h = histograms[j];
        long total = 0;
        for (long c : h) {
            total += c;
        }
        double max = stats.max()[j];
        if (total == 0 || !(max > 0) || a >= max) {
            return 1.0;
        }
        double width = max / h.length, pos = a / width;
        int bin = (int) Math.min(h.length - 1, pos);
        long below = 0;
        for (int b = 0; b < bin; b++) {
            below += h[b];
        }
        return (below + h[bin] * (pos - bin)) / total;
    }

    /** The fraction of the set's tokens on which feature j is active. */
    public double density(int j) {
        return stats.density()[j];
    }

    /** The histogram of feature j's positive activations. */
    public Histogram histogram(int j) {
        return new Histogram(0, stats.max()[j] > 0 ? stats.max()[j] : 1, histograms[j]);
    }
}
