package org.sparsescope.viewmodels.features;

/** One feature of the open dictionary, as the table shows it. */
public record FeatureRow(int index, double density, double mean, double max, double std, double skew, double kurtosis, String topTokens) {
    public double log10Density() {
        return density > 0 ? Math.log10(density) : Double.NEGATIVE_INFINITY;
    }
}
