package org.sparsescope.viewmodels.features;

/** One feature of the open dictionary, as the table shows it. */
/** One feature's row of the table; {@code capacity} is C_i of its decoder row (Scherlis et al.), in [0, 1]. */
public record FeatureRow(
        int index,
        double density,
        double mean,
        double max,
        double std,
        double skew,
        double kurtosis,
        double capacity,
        String topTokens) {
    public double log10Density() {
        return density > 0 ? Math.log10(density) : Double.NEGATIVE_INFINITY;
    }
}
