package org.sparsescope.compute.stats;

/**
 * Per-feature statistics of a dictionary's codes over a set of activation rows, with the reference's
 * definitions: over all rows, zeros included; std is the population std; skew = E[z³] and kurtosis = E[z⁴]
 * (not excess) with z = (c − mean) / std; NaN where std is 0.
 */
public record FeatureStats(
        long rows, double[] density, double[] mean, double[] max, double[] std, double[] skew, double[] kurtosis) {

    public int features() {
        return density.length;
    }

    /** A feature's row, for tables. */
    public record Row(int feature, double density, double mean, double max, double std, double skew, double kurtosis) {}

    public Row row(int j) {
        return new Row(j, density[j], mean[j], max[j], std[j], skew[j], kurtosis[j]);
    }

    /** Histogram of log10 feature density over features that fired, for the dictionary's density plot. */
    public Histogram logDensityHistogram(int bins) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double d : density) {
            if (d > 0) {
                lo = Math.min(lo, Math.log10(d));
                hi = Math.max(hi, Math.log10(d));
            }
        }
        if (lo == Double.POSITIVE_INFINITY) {
            return new Histogram(0, 1, new long[bins]);
        }
        lo = Math.floor(lo * 2) / 2;
        hi = Math.max(lo + 0.5, Math.ceil(hi * 2) / 2);
        long[] counts = new long[bins];
        for (double d : density) {
            if (d > 0) {
                counts[Histogram.bin(Math.log10(d), lo, hi, bins)]++;
            }
        }
        return new Histogram(lo, hi, counts);
    }
}
