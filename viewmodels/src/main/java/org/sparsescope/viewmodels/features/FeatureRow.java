package org.sparsescope.viewmodels.features;

/**
 * One feature's row of the table; {@code capacity} is C_i of its decoder row (Scherlis et al.), in [0, 1];
 * {@code explanation} (empty when none) and the balanced accuracies of {@code detection} and {@code fuzzing} (NaN when
 * not scored) come from the dictionary's stored autointerp results.
 */
public record FeatureRow(
        int index,
        double density,
        double mean,
        double max,
        double std,
        double skew,
        double kurtosis,
        double capacity,
        String topTokens,
        String explanation,
        double detection,
        double fuzzing) {
    public double log10Density() {
        return density > 0 ? Math.log10(density) : Double.NEGATIVE_INFINITY;
    }
}
